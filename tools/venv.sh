#!/usr/bin/env bash
# Create .venv with the dev dependencies listed in pyproject.toml ([project.optional-dependencies] dev).
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$py" -m venv .venv
stamp=.venv/.berth-deps
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  deps=$(.venv/bin/python -c 'import tomllib;print("\n".join(tomllib.load(open("pyproject.toml","rb"))["project"]["optional-dependencies"]["dev"]))')
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # shellcheck disable=SC2086
  echo "$deps" | xargs -d '\n' .venv/bin/python -m pip install -q
  echo "$want" > "$stamp"
fi
