#!/usr/bin/env bash
# Install the Debian packages the tests and the main job need, when they are missing:
# the Docker engine (docker.io), a registry, HAProxy, the compose v1 CLI (interop tests only),
# busybox-static and debootstrap (to build test images without any registry), htpasswd.
set -euo pipefail
pkgs=(docker.io docker-registry haproxy docker-compose busybox-static debootstrap apache2-utils curl openssh-client iproute2 rsync shellcheck openssh-server)
[ "${1:-}" = "--engine-only" ] && pkgs=(docker.io curl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
