#!/usr/bin/env bash
# Install the Debian packages the tests and the main job need, when they are missing:
# the Docker engine (docker.io), a registry, HAProxy, the compose v1 CLI (interop tests only),
# busybox-static and debootstrap (to build test images without any registry), htpasswd, and a real
# docker credential helper (docker-credential-pass, with pass) for the login tests.
set -euo pipefail
pkgs=(docker.io docker-registry haproxy docker-compose busybox-static debootstrap apache2-utils curl openssh-client iproute2 rsync shellcheck openssh-server)
# installed without their recommends (which would bring a desktop's worth of packages)
lean=(golang-docker-credential-helpers pass)
if [ "${1:-}" = "--engine-only" ]; then pkgs=(docker.io curl); lean=(); fi
absent() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"
  done
}
mapfile -t missing < <(absent "${pkgs[@]}")
mapfile -t missing_lean < <(absent "${lean[@]}")
if [ ${#missing[@]} -gt 0 ] || [ ${#missing_lean[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} ${missing_lean[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]} ${missing_lean[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ ${#missing[@]} -eq 0 ] || apt-get install -y -qq "${missing[@]}" >/dev/null
  [ ${#missing_lean[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${missing_lean[@]}" >/dev/null
fi
