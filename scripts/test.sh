#!/usr/bin/env bash
# Set up everything the tests need (venv, Debian packages, Kafka) and run lint, types and
# every test, unit and integration, then the unit tests against the compiled core
# (scripts/test-compiled.sh). Exits non-zero if anything fails or no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
bash scripts/install-system-deps.sh
bash scripts/kafka.sh fetch
bash scripts/install-helm.sh >/dev/null
bash scripts/crd-schemas.sh >/dev/null
.venv/bin/ruff check sentinel tests bench scripts
.venv/bin/mypy
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
if [ "$status" -ne 0 ] || [ "$#" -ne 0 ]; then
  exit "$status"  # a selection (arguments given) runs once, interpreted
fi
# The whole suite passed: the unit tests once more against the compiled core.
bash scripts/test-compiled.sh
