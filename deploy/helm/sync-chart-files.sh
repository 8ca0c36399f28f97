#!/usr/bin/env bash
# Copies the files the Helm chart packages from the repository into the chart (a chart can
# only read files inside its own folder):
#   sentinel/rules/defaults/*.yaml       -> deploy/helm/sentinel/rules/ (the packaged rules)
#   dashboards/*.json                    -> deploy/helm/sentinel/dashboards/
#   deploy/prometheus/*-rules.yaml       -> deploy/helm/sentinel/files/prometheus/
#     (plain Prometheus rules files: self-rules.yaml, written by hand, and the generated
#     slo-rules.yaml; the chart merges their groups into one PrometheusRule)
#
#   bash deploy/helm/sync-chart-files.sh          # copy (stale copies are removed)
#   bash deploy/helm/sync-chart-files.sh --check  # exit 1 and list differences, copy nothing
#
# tests/integration/test_deploy.py fails when the copies drift.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHART=deploy/helm/sentinel
check=false
[[ "${1:-}" == "--check" ]] && check=true

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/rules" "$stage/dashboards" "$stage/files/prometheus"
shopt -s nullglob
for f in sentinel/rules/defaults/*.yaml; do cp "$f" "$stage/rules/"; done
for f in dashboards/*.json; do cp "$f" "$stage/dashboards/"; done
for f in deploy/prometheus/*-rules.yaml; do cp "$f" "$stage/files/prometheus/"; done

status=0
for dir in rules dashboards files; do
    mkdir -p "$CHART/$dir"
    if ! diff -r "$stage/$dir" "$CHART/$dir" >/dev/null; then
        if $check; then
            echo "sync-chart-files: $CHART/$dir is out of date:" >&2
            diff -rq "$stage/$dir" "$CHART/$dir" >&2 || true
            status=1
        else
            rm -rf "${CHART:?}/$dir"
            cp -r "$stage/$dir" "$CHART/$dir"
            echo "sync-chart-files: updated $CHART/$dir" >&2
        fi
    fi
done
if $check && [[ $status -ne 0 ]]; then
    echo "sync-chart-files: run bash deploy/helm/sync-chart-files.sh" >&2
fi
exit "$status"
