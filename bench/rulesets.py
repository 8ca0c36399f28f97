"""Rule sets for benchmarks.

- `shipped`: the rules in `rules/` (filters, SLOs, spend guards, canary gates).
- `monitored`: shipped without guardrail filters (backbone + SLO/spend/rollback monitors).
- `backbone`: decode, dedupe, correlation, accounting, trackers and metrics only: the scope
  of the backbone's throughput target.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sentinel.rules.loader import RuleSet, load_rules

ROOT = Path(__file__).parents[1]


def shipped() -> RuleSet:
    return load_rules(ROOT / "sentinel" / "rules" / "defaults")


def monitored() -> RuleSet:
    rules = shipped()
    return replace(rules, guardrails=rules.guardrails.model_copy(update={"filters": []}))


def backbone() -> RuleSet:
    rules = monitored()
    return replace(
        rules,
        slos=rules.slos.model_copy(update={"slos": []}),
        spend_guard=rules.spend_guard.model_copy(update={"guards": []}),
        rollback=rules.rollback.model_copy(update={"enabled": False}),
    )
