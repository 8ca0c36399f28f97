#!/usr/bin/env bash
# Create .venv and install sentinel into it. `--dev` adds the test and lint tools and the
# optional confluent-kafka output client (so its tests run).
# Dependencies come at the tested versions of constraints.txt (pyproject.toml has ranges).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "error: sentinel needs Python >= 3.11 (found $("$python" --version))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev,confluent]'
else
  .venv/bin/python -m pip install -q -c constraints.txt -e .
fi
