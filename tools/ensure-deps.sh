#!/usr/bin/env bash
# Install the Debian packages the tests and the main job need, when they are missing:
# the Docker engine (docker.io), a registry, HAProxy, the compose v1 CLI (interop tests only),
# busybox-static and debootstrap (to build test images without any registry), htpasswd, and a real
# docker credential helper (docker-credential-pass over pass) for the login tests.
set -euo pipefail
pkgs=(docker.io docker-registry haproxy docker-compose busybox-static debootstrap apache2-utils curl openssh-client iproute2 rsync shellcheck openssh-server gnupg openssl)
# installed without their recommends (which would bring a desktop's worth of packages)
lean=(pass)
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

# docker-credential-pass goes to .berth/credential-helpers, not /usr/bin: the docker CLI picks any
# docker-credential-pass in PATH as its default store, which would change how every `docker login`
# on this machine keeps its credentials. The tests put that directory in PATH themselves.
helpers="$(cd "$(dirname "$0")/.." && pwd)/.berth/credential-helpers"
if [ "${1:-}" != "--engine-only" ] && [ ! -x "$helpers/docker-credential-pass" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing $helpers/docker-credential-pass (run as root once to fetch it)" >&2
    exit 1
  fi
  work=$(mktemp -d)
  (cd "$work" && { apt-get -o APT::Sandbox::User=root download golang-docker-credential-helpers >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get -o APT::Sandbox::User=root download golang-docker-credential-helpers >/dev/null; }; })
  dpkg-deb -x "$work"/golang-docker-credential-helpers_*.deb "$work/root"
  mkdir -p "$helpers"
  install -m 0755 "$work/root/usr/bin/docker-credential-pass" "$helpers/docker-credential-pass"
  rm -rf "$work"
  echo "fetched docker-credential-pass into $helpers"
fi
