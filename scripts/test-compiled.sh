#!/usr/bin/env bash
# The unit tests again, against the compiled core (setup.py's COMPILED modules built with
# mypyc in a copy of this tree): a compiled module checks its annotations at run time and
# differs from the interpreter in a few ways (no patching its methods, tuples boxed
# afresh), so the shipped native build is tested, not assumed. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(pwd)/.venv/bin/python
dir=$(mktemp -d "${TMPDIR:-/tmp}/sentinel-compiled.XXXXXX")
trap 'rm -rf "$dir"' EXIT
bash scripts/build-compiled.sh "$dir/tree"
cd "$dir/tree"
SENTINEL_EXPECT_CORE=compiled PYTHONPATH=. "$python" -m pytest tests/unit -q -p no:cacheprovider "$@"
