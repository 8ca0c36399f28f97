"""SLOs: how much error budget is left, how fast it burns, which alerts fire."""

from __future__ import annotations

from typing import Any

from sentinel.dashboards import constants as c
from sentinel.dashboards.layout import (
    Board,
    Panel,
    Query,
    bar_gauge,
    stat_panel,
    table_panel,
    timeseries,
    variables,
)
from sentinel.dashboards.promql import Scope
from sentinel.telemetry import names as n

UID = "sentinel-slos"
_S = Scope(("job", "slo", "service", "model", "variant"))
_LEGEND = "{{slo}} {{service}} {{variant}}"
_FIRING = f'alertname=~"{c.ALERT_NAME_REGEX}"'
# `sentinel slo-rules` records SLIs per (slo, by-labels) without `model`: the model
# selector cannot apply to recorded series, and an SLO not evaluated per service or
# variant has no such label (the ".*" of "All" still matches it).
_RULES = Scope(("slo", "service", "variant"))
_ALERTS = Scope(())  # alert labels are the alert's own: not filtered by the selectors
_BUDGET = f"on (slo) group_left () {_RULES.sel(n.ERROR_BUDGET)}"


def _burn_rates(pairs: list[tuple[str, str, float]], what: str) -> Panel:
    queries = [
        Query(f"{_RULES.sel(n.sli_error_ratio(w))} / {_BUDGET}", f"{_LEGEND} {w}")
        for long_window, short_window, _ in pairs
        for w in (long_window, short_window)
    ]
    lines = ", ".join(
        f"{factor:g}x over {long_w} and {short_w}" for long_w, short_w, factor in pairs
    )
    return timeseries(
        f"Burn rate, {what} windows (all replicas)",
        f"Bad-event ratio over each window divided by the error budget (1 - objective), "
        f"from the recording rules. 1x spends the budget exactly over the {c.PERIOD_DAYS}-day "
        "period. "
        f"SentinelSLOBurnRate ({what}) fires when a long window and its short window both "
        f"pass the dashed line: {lines}.",
        "short",
        queries,
        thresholds=[(factor, "red") for _, _, factor in pairs],
    )


def build() -> dict[str, Any]:
    board = Board(
        UID,
        "sentinel / SLOs",
        "Objectives from rules/slos.yaml: error budget left, SLIs and burn rates from the "
        "generated Prometheus rules (all replicas) and from sentinel's in-process engine, "
        "and the alerts that fire on them.",
        variables(_S),
    )
    board.row("Error budget")
    board.add(
        bar_gauge(
            f"Error budget left, {c.PERIOD_DAYS}-day period (all replicas)",
            "Share of the period's error budget not yet spent, from the recording rule "
            f"{n.PERIOD_BUDGET_REMAINING} over every replica. Below 0 the objective is "
            "already missed for the period: stop risky deployments.",
            "percentunit",
            [Query(_RULES.sel(n.PERIOD_BUDGET_REMAINING), _LEGEND)],
            thresholds=[(0, "red"), (0.25, "orange"), (0.5, "green")],
        ),
        bar_gauge(
            "Error budget left (in-process, worst replica)",
            "The same figure from sentinel's own engine, which each replica evaluates in "
            "event time over its partitions. It works without Prometheus rules; replicas "
            "see different traffic, so the worst one is shown.",
            "percentunit",
            [
                Query(
                    _S.gauge(n.SLO_BUDGET_REMAINING, op="min", by=("slo", "service", "variant")),
                    _LEGEND,
                )
            ],
            thresholds=[(0, "red"), (0.25, "orange"), (0.5, "green")],
        ),
    )
    board.add(
        stat_panel(
            "sentinel alerts firing (Prometheus)",
            "Alerts named Sentinel* firing in Prometheus now (SLO burn rates, spend, "
            "sentinel's own health). 0 is the normal state.",
            "short",
            [Query(f"count({_ALERTS.sel(c.ALERTS, _FIRING, alertstate='firing')}) or vector(0)")],
            thresholds=[(1, "red")],
            width=6,
        ),
        stat_panel(
            "Alerts firing in sentinel's alert book",
            "Alerts sentinel itself raised and sends to Alertmanager and webhooks (summed "
            "over replicas). 0 is the normal state.",
            "short",
            [Query(f"{_S.gauge(n.ALERTS_FIRING)} or vector(0)")],
            thresholds=[(1, "red")],
            width=6,
        ),
        stat_panel(
            "Objectives",
            "The good-event ratio each SLO promises over its period (rules/slos.yaml).",
            "percentunit",
            [Query(_RULES.sel(n.OBJECTIVE), "{{slo}}")],
            instant=True,
            decimals=2,
            width=12,
        ),
    )
    board.row("Alerts")
    board.add(
        table_panel(
            "Firing and pending alerts (Prometheus)",
            "Sentinel* alerts in Prometheus with their labels: which SLO, service and "
            "variant, and the severity (page or ticket). Pending alerts wait for their "
            "`for:` duration. Empty is good.",
            "short",
            [
                Query(
                    _ALERTS.gauge(
                        c.ALERTS,
                        _FIRING,
                        by=("alertname", "alertstate", "severity", "slo", "service", "variant"),
                    )
                )
            ],
            width=12,
        ),
        table_panel(
            "Alerts in sentinel's alert book",
            "Alerts sentinel's in-process engine holds as firing, by name and severity "
            "(summed over replicas). Empty is good.",
            "short",
            [Query(f"{_S.gauge(n.ALERTS_FIRING, by=('alertname', 'severity'))} > 0")],
            width=12,
        ),
    )
    board.row("SLIs")
    short_windows = [c.PAGE_PAIRS[0][1], c.PAGE_PAIRS[0][0], c.PAGE_PAIRS[1][0]]
    board.add(
        timeseries(
            f"Bad-event ratio over {', '.join(short_windows)} (all replicas)",
            f"Share of bad events per SLO from the recording rules {n.SLI_ERROR_RATIO_PREFIX}*. "
            "The short window reacts first; the long ones confirm. Compare with the "
            "error budget, 1 - objective (1 % for a 99 % objective).",
            "percentunit",
            [Query(_RULES.sel(n.sli_error_ratio(w)), f"{_LEGEND} {w}") for w in short_windows],
        ),
        timeseries(
            "Bad-event ratio from the counters",
            f"The same ratio computed here from {n.SLO_EVENTS} over the rate "
            "window, without recording rules: use it when the rules are not loaded, or to "
            "slice by model when an SLO is evaluated per model.",
            "percentunit",
            [
                Query(
                    f"{_S.rate(n.SLO_EVENTS, by=('slo', 'service', 'variant'), result='bad')}"
                    f" / {_S.rate(n.SLO_EVENTS, by=('slo', 'service', 'variant'))}",
                    _LEGEND,
                )
            ],
        ),
    )
    board.row("Burn rates")
    board.add(
        _burn_rates(c.PAGE_PAIRS, "page"),
        _burn_rates(c.TICKET_PAIRS, "ticket"),
        timeseries(
            "Burn rate per window (in-process, worst replica)",
            "sentinel's own burn rates per SLO and window (event time). They drive the "
            "alerts sentinel sends itself; they should agree with the recording rules when "
            "one replica sees all the traffic.",
            "short",
            [
                Query(
                    _S.gauge(n.SLO_BURN_RATE, op="max", by=("slo", "service", "variant", "window")),
                    f"{_LEGEND} {{{{window}}}}",
                )
            ],
            thresholds=[(factor, "red") for _, _, factor in (*c.PAGE_PAIRS, *c.TICKET_PAIRS)],
        ),
        timeseries(
            "Events counted per second by SLO",
            "Good and bad events each SLO counts. An SLO with almost no events has a noisy "
            "ratio: its alerts mean less.",
            "cps",
            [
                Query(
                    _S.rate(n.SLO_EVENTS, by=("slo", "result")),
                    "{{slo}} {{result}}",
                )
            ],
        ),
    )
    return board.to_json()
