"""Generate Prometheus recording and alert rules from `kind: slos` (Sloth's naming).

The in-process engine and these rules read the same counter, `sentinel_slo_events_total`,
so Prometheus aggregates every replica into the global view that each replica's own
evaluation only sees for its partitions.
"""

from __future__ import annotations

from typing import Any

import yaml

from sentinel.slo.config import Slo, SloRules
from sentinel.slo.engine import burn_factor, short_minutes
from sentinel.telemetry import names as n
from sentinel.telemetry.names import SLO_EVENTS
from sentinel.telemetry.names import prom_duration as _duration


def _windows(slo: Slo) -> list[int]:
    pairs = [*slo.page, *slo.ticket]
    return sorted({w.long_minutes for w in pairs} | {short_minutes(w) for w in pairs})


def recording_rules(slo: Slo) -> list[dict[str, Any]]:
    by = ", ".join(["slo", *slo.by])
    selector = f'slo="{slo.name}"'
    rules: list[dict[str, Any]] = []
    period = slo.period_days * 1440
    for minutes in [*_windows(slo), period]:
        window = _duration(minutes)
        rules.append(
            {
                "record": n.sli_error_ratio(window),
                "expr": (
                    f'sum by ({by}) (rate({SLO_EVENTS}{{{selector},result="bad"}}[{window}]))\n'
                    f"/\n"
                    f"sum by ({by}) (rate({SLO_EVENTS}{{{selector}}}[{window}]))"
                ),
                "labels": {"slo": slo.name, "window": window},
            }
        )
    budget = round(1 - slo.objective, 10)
    period_window = _duration(period)
    rules += [
        {
            "record": n.OBJECTIVE,
            "expr": f"vector({slo.objective})",
            "labels": {"slo": slo.name},
        },
        {
            "record": n.ERROR_BUDGET,
            "expr": f"vector({budget})",
            "labels": {"slo": slo.name},
        },
        {
            "record": n.TIME_PERIOD_DAYS,
            "expr": f"vector({slo.period_days})",
            "labels": {"slo": slo.name},
        },
        {
            "record": n.CURRENT_BURN_RATE,
            "expr": f"{n.sli_error_ratio(_duration(_windows(slo)[0]))}{{{selector}}} / {budget}",
            "labels": {"slo": slo.name},
        },
        {
            "record": n.PERIOD_BURN_RATE,
            "expr": f"{n.sli_error_ratio(period_window)}{{{selector}}} / {budget}",
            "labels": {"slo": slo.name},
        },
        {
            "record": n.PERIOD_BUDGET_REMAINING,
            "expr": f"1 - {n.PERIOD_BURN_RATE}{{{selector}}}",
            "labels": {"slo": slo.name},
        },
    ]
    return rules


def _seconds(seconds: float) -> str:
    """A Prometheus duration for a number of seconds: whole minutes as 10m, else 45s."""
    whole = round(seconds)
    return _duration(whole // 60) if whole % 60 == 0 else f"{whole}s"


def alert_rules(
    slo: Slo, runbook_base_url: str, keep_firing_for_seconds: float = 0.0
) -> list[dict[str, Any]]:
    """The page and ticket alerts of `slo`; once firing, each keeps firing for
    `keep_firing_for_seconds` after its condition clears, as sentinel's own monitor does."""
    selector = f'slo="{slo.name}"'
    budget = round(1 - slo.objective, 10)
    out = []
    for severity, pairs in (("page", slo.page), ("ticket", slo.ticket)):
        if not pairs:  # e.g. `ticket: []`: this SLO only pages (an empty expr is invalid)
            continue
        clauses = []
        for pair in pairs:
            limit = f"({burn_factor(pair, slo.period_days):g} * {budget})"
            long_w, short_w = _duration(pair.long_minutes), _duration(short_minutes(pair))
            clauses.append(
                f"(\n  max without (window) ({n.sli_error_ratio(long_w)}{{{selector}}}) "
                f"> {limit}\n  and\n  max without (window) "
                f"({n.sli_error_ratio(short_w)}{{{selector}}}) > {limit}\n)"
            )
        out.append(
            {
                "alert": n.SLO_BURN_ALERT,
                "expr": "\nor\n".join(clauses),
                **(
                    {"keep_firing_for": _seconds(keep_firing_for_seconds)}
                    if keep_firing_for_seconds > 0
                    else {}
                ),
                "labels": {"severity": severity, "slo": slo.name},
                "annotations": {
                    "summary": f"SLO {slo.name} is burning its error budget too fast ({severity})",
                    "description": f"{slo.sli.kind} SLO {slo.name}, objective {slo.objective} over "
                    f"{slo.period_days}d: both windows of a {severity} pair burn too fast.",
                    "runbook_url": slo.runbook or f"{runbook_base_url}/{n.SLO_BURN_ALERT}.md",
                },
            }
        )
    return out


def rule_groups(rules: SloRules) -> list[dict[str, Any]]:
    groups = []
    for slo in rules.slos:
        groups.append({"name": f"sentinel-slo-{slo.name}-recording", "rules": recording_rules(slo)})
        groups.append(
            {
                "name": f"sentinel-slo-{slo.name}-alerts",
                "rules": alert_rules(slo, rules.runbook_base_url, rules.keep_firing_for_seconds),
            }
        )
    return groups


def to_yaml(document: dict[str, Any]) -> str:
    """YAML with multi-line PromQL as literal blocks, readable in review."""

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=100)


def prometheus_rule_manifest(rules: SloRules, name: str = "sentinel-slos") -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "sentinel"}},
        "spec": {"groups": rule_groups(rules)},
    }
