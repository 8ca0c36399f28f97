"""Canary: the canary model next to the baseline on every SLI the rollback gates watch."""

from __future__ import annotations

from typing import Any

from sentinel.dashboards.layout import (
    Board,
    Query,
    stat_panel,
    table_panel,
    text_variable,
    timeseries,
    variables,
)
from sentinel.dashboards.promql import RATE_INTERVAL, Scope, share
from sentinel.telemetry import names as n

UID = "sentinel-canary"
_S = Scope(("job", "service", "model", "variant"))
_V = ("variant",)
_DECISION = ("variant", "sli", "decision")
# rules/rollback.yaml's baseline_variant and canary_variant, preselected.
_PAIR = ["baseline", "canary"]
# The SLO that counts hallucination signals (sli.kind: hallucination) evaluated per variant.
HALLUCINATION_SLO_VARIABLE = "hallucination_slo"
_HALLUCINATION_SLO_DEFAULT = "hallucination"


def _per_exchange(name: str, *matchers: str, **equal: str) -> str:
    """`name` per exchange, by variant; 0 for a variant with exchanges but none counted
    (a labelled counter has no series until its first increment)."""
    return share(_S.rate(name, *matchers, by=_V, **equal), _S.rate(n.EXCHANGES, by=_V))


def _hallucination_ratio() -> str:
    slo = f'slo="${HALLUCINATION_SLO_VARIABLE}"'
    bad = _S.rate(n.SLO_EVENTS, slo, by=_V, result="bad")
    return f"{bad} / {_S.rate(n.SLO_EVENTS, slo, by=_V)}"


def build() -> dict[str, Any]:
    hallucination_slo = text_variable(
        HALLUCINATION_SLO_VARIABLE,
        "Hallucination SLO",
        "The SLO in rules/slos.yaml with sli.kind hallucination, evaluated by variant.",
        _HALLUCINATION_SLO_DEFAULT,
    )
    board = Board(
        UID,
        "sentinel / Canary",
        "A canary model or prompt next to its baseline on every SLI the rollback gates "
        "(rules/rollback.yaml) compare: latency, errors, hallucination signals, PII leaks, "
        "cost. Rollback decisions are marked on every graph.",
        [*variables(_S, defaults={"variant": _PAIR}), hallucination_slo],
    )
    board.annotation(
        "Rollback decisions",
        f"{_S.increase(n.ROLLBACK_DECISIONS, by=_DECISION, window=RATE_INTERVAL)} > 0",
        "Rollback decision: {{decision}}",
        "variant {{variant}}, gate {{sli}}",
        "variant,sli,decision",
    )
    board.row("Rollback gate")
    board.add(
        stat_panel(
            "Gate by variant",
            "What Argo Rollouts and Flagger read from sentinel's gate endpoint: open while "
            "the variant may continue, closed once a gate decided to roll back. In dry run "
            "(the shipped default) decisions are recorded and the gate stays open.",
            "none",
            [Query(_S.gauge(n.ROLLBACK_GATE, op="min", by=_V), "{{variant}}")],
            mappings={"1": ("open", "green"), "0": ("closed: roll back", "red")},
            thresholds=[(0, "red"), (1, "green")],
            width=8,
        ),
        stat_panel(
            "Rollback decisions in the time range",
            "Decisions taken by the rollback gates (rollback, or dry_run when the gates only "
            "record). 0 is the normal state during a healthy rollout.",
            "short",
            [Query(f"{_S.increase(n.ROLLBACK_DECISIONS)} or vector(0)")],
            thresholds=[(1, "red")],
            instant=True,
            width=4,
        ),
        table_panel(
            "Rollback decisions by variant, gate and decision",
            "Which gate (sli) decided against which variant in the time range. A gate that "
            "decides in every rollout may be too strict: check its max_degradation.",
            "short",
            [Query(f"{_S.increase(n.ROLLBACK_DECISIONS, by=_DECISION)} > 0")],
            width=12,
            height=4,
        ),
    )
    board.row("Baseline vs canary")
    board.add(
        timeseries(
            "Exchanges per second by variant",
            "Traffic each variant receives: the canary's share is the rollout weight. The "
            "gates need min_samples_per_variant exchanges before they decide anything.",
            "reqps",
            [Query(_S.rate(n.EXCHANGES, by=_V), "{{variant}}")],
        ),
        timeseries(
            "Latency p95 by variant",
            "95th percentile latency of each variant. The latency gate compares the share "
            "of exchanges over its threshold (8 s by default), which moves with this tail.",
            "s",
            [Query(_S.quantile(0.95, n.LATENCY, by=_V), "{{variant}}")],
        ),
        timeseries(
            "Failed share by variant",
            "Share of exchanges that failed or timed out, per variant. The errors gate rolls "
            "back when the canary's share is reliably more than 1 point above the baseline's.",
            "percentunit",
            [Query(_per_exchange(n.EXCHANGES, 'outcome!="ok"'), "{{variant}}")],
        ),
        timeseries(
            "Hallucination signal ratio by variant",
            "Share of answers with a hallucination signal per variant, from the SLO named in "
            "the Hallucination SLO box. The gate allows the canary 25 % more than the baseline "
            "plus half a point.",
            "percentunit",
            [Query(_hallucination_ratio(), "{{variant}}")],
        ),
        timeseries(
            "PII leaks per exchange by variant",
            "PII leaks (PII in answers the user did not supply) per exchange. A canary that "
            "leaks where the baseline does not is rolled back by the pii_leak gate.",
            "percentunit",
            [Query(_per_exchange(n.PII_LEAKS), "{{variant}}")],
        ),
        timeseries(
            "Cost per exchange by variant",
            "Average dollars per exchange. Not a gate by default, but a cheaper model that "
            "passes every gate is the point of most canaries.",
            "currencyUSD",
            [Query(_per_exchange(n.COST), "{{variant}}")],
        ),
        timeseries(
            "Bad-event ratio by SLO and variant",
            "Every SLO evaluated per variant, side by side. The slo_burn trigger rolls back "
            "when one of them pages for the canary only.",
            "percentunit",
            [
                Query(
                    f"{_S.rate(n.SLO_EVENTS, by=('slo', 'variant'), result='bad')} / "
                    f"{_S.rate(n.SLO_EVENTS, by=('slo', 'variant'))}",
                    "{{slo}} {{variant}}",
                )
            ],
        ),
        timeseries(
            "Average user rating by variant",
            "Mean 1-5 rating per variant. Users notice some regressions no gate measures.",
            "short",
            [Query(_S.mean(n.FEEDBACK_RATING, by=_V), "{{variant}}")],
            min_value=1,
        ),
    )
    return board.to_json()
