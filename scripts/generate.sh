#!/usr/bin/env bash
# Regenerate every committed, generated artefact. CI's golden tests fail on drift.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/sentinel schema --kind event --out docs/schemas/sentinel.llm.v1.json
.venv/bin/sentinel schema --kind rules --out docs/schemas/sentinel.rules.v1.json
.venv/bin/sentinel slo-rules --format rules --out deploy/prometheus/slo-rules.yaml
.venv/bin/sentinel slo-rules --format prometheusrule --out deploy/prometheus/slo-prometheusrule.yaml
.venv/bin/sentinel dashboards --out dashboards
bash deploy/helm/sync-chart-files.sh
