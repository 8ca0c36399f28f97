#!/usr/bin/env bash
# Copy this working tree to DIR and build the compiled core there, in place (setup.py's
# COMPILED modules as mypyc extensions beside their sources): `PYTHONPATH=DIR` then runs
# sentinel with it. Needs the dev venv (`scripts/setup.sh --dev`: mypy and the typed
# dependencies) and a C compiler. The working tree itself is never built in place, so an
# edited module is never shadowed by a stale extension.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: build-compiled.sh DIR}
python=$(pwd)/.venv/bin/python
rm -rf "$dir"
mkdir -p "$dir"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  if [ -e "$f" ]; then printf '%s\0' "$f"; fi
done | tar --null -T - -cf - | tar -xf - -C "$dir"
cd "$dir"
if ! SENTINEL_COMPILE=1 "$python" setup.py -q build_ext --inplace >build.log 2>&1; then
  tail -40 build.log >&2
  exit 1
fi
# Every listed module must now load from its extension.
PYTHONPATH=. "$python" - <<'PY'
import ast, importlib, pathlib

tree = ast.parse(pathlib.Path("setup.py").read_text())
compiled = next(
    ast.literal_eval(node.value)
    for node in tree.body
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED"
)
for path in compiled:
    for node in ast.walk(ast.parse(pathlib.Path(path).read_text())):
        if isinstance(node, ast.ClassDef) and any(
            getattr(base, "id", getattr(base, "attr", "")) == "Struct" for base in node.bases
        ):
            raise SystemExit(f"{path} defines msgspec struct {node.name}: keep it interpreted")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    if not module.__file__.endswith(".so"):
        raise SystemExit(f"{path} did not compile: {module.__file__}")
print(f"compiled core: {len(compiled)} modules in {pathlib.Path.cwd()}")
PY
