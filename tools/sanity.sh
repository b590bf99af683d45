#!/usr/bin/env bash
# ansible-test sanity needs the collection at .../ansible_collections/berth/docker: copy the
# tracked (and new, not ignored) files into a scratch git repository there and run it with
# the venv's Python.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# a private scratch directory per run, so concurrent runs do not delete each other's copies
if [ -n "${BERTH_SANITY_DIR:-}" ]; then
  base=$BERTH_SANITY_DIR
  rm -rf "$base"
else
  base=$(mktemp -d "${TMPDIR:-/tmp}/berth-sanity.XXXXXX")
  trap 'rm -rf "$base"' EXIT
fi
dest=$base/ansible_collections/berth/docker
mkdir -p "$dest"
git ls-files -co --exclude-standard | grep -v '^collections/' | rsync -a --ignore-missing-args --files-from=- ./ "$dest/"
# ansible-test downloads a pip bootstrap script from a host outside the package registries:
# seed its cache with a local stand-in (tools/get_pip_shim.py)
cache=${HOME}/.ansible/test/cache
mkdir -p "$cache"
for v in 24.2 24.3 25.0 25.1 25.2 25.3; do
  [ -f "$cache/get_pip_${v//./_}.py" ] || cp tools/get_pip_shim.py "$cache/get_pip_${v//./_}.py"
done
cd "$dest"
git init -q && git add -A && git -c user.email=ci@berth -c user.name=ci commit -qm sanity
# the machine trusts its package proxy through /etc/pip.conf, which ansible-test's venvs ignore
[ -f /etc/ssl/certs/ca-certificates.crt ] && export PIP_CERT=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
"$root/.venv/bin/ansible-test" sanity --python 3.11 --requirements --color no "$@"
