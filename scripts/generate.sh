#!/usr/bin/env bash
# Regenerate every committed, generated artefact. CI's golden tests fail on drift.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/sentinel schema --kind event --out docs/schemas/sentinel.llm.v1.json
.venv/bin/sentinel schema --kind rules --out docs/schemas/sentinel.rules.v1.json
# one schema per rules kind, inside the package: each rules file's first line points to its own
mkdir -p sentinel/rules/schemas
for kind in $(.venv/bin/python -c 'from sentinel.rules.loader import KINDS; print(*sorted(KINDS))'); do
  .venv/bin/sentinel schema --kind "$kind" --out "sentinel/rules/schemas/$kind.json"
done
.venv/bin/sentinel slo-rules --format rules --out deploy/prometheus/slo-rules.yaml
.venv/bin/sentinel slo-rules --format prometheusrule --out deploy/prometheus/slo-prometheusrule.yaml
.venv/bin/sentinel dashboards --out dashboards
bash deploy/helm/sync-chart-files.sh
