#!/usr/bin/env bash
# Write every output of `sentinel replay` (JSON and table reports, HTML report, verdicts,
# review items, dead letters) for the bundled sample and for each FILE given, into OUTDIR.
# Run it before and after a change that must not alter behaviour, then `diff -r` the two
# directories: a replay is deterministic, so any difference is a change of behaviour.
#
#   bash scripts/replay_outputs.sh /tmp/before [more.jsonl ...]
#   ...change...
#   bash scripts/replay_outputs.sh /tmp/after [more.jsonl ...] && diff -r /tmp/before /tmp/after
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 OUTDIR [FILE ...]" >&2
    exit 2
fi
out=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
sentinel=${SENTINEL:-$root/.venv/bin/sentinel}

replay_into() {
    local dir=$1
    shift
    mkdir -p "$dir"
    "$sentinel" replay "$@" --report json --verdicts "$dir/verdicts.jsonl" \
        --review "$dir/review.jsonl" --dead-letter "$dir/dead-letters.jsonl" \
        --html "$dir/report.html" --log-level error >"$dir/report.json"
    "$sentinel" replay "$@" --report table --log-level error >"$dir/report.txt"
}

replay_into "$out/bundled-sample"
for file in "$@"; do
    replay_into "$out/$(basename "$file")" "$file"
done
echo "outputs in $out"
