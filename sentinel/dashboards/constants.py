"""Names the dashboards use that are not sentinel's, and label values they match.

sentinel's metric and recording-rule names live in `sentinel.telemetry.names`; this module
holds the rest: Prometheus built-ins, the SLO windows the dashboards chart, and finding
categories the filters emit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sentinel.slo.config import BurnWindow, SliRule, Slo
from sentinel.slo.engine import burn_factor, short_minutes
from sentinel.telemetry.names import prom_duration

# Prometheus built-ins.
ALERTS = "ALERTS"  # alertname, alertstate, severity and the alert's own labels
UP = "up"  # job, instance

# sentinel's alert names all start with this (SentinelSLOBurnRate, SentinelSpendBurn, ...).
ALERT_NAME_REGEX = "Sentinel.*"

# The recording rules of `sentinel slo-rules` are named in `sentinel.telemetry.names`.


def _pairs(windows: Sequence[BurnWindow], period_days: int) -> list[tuple[str, str, float]]:
    """(long window, short window, burn-rate factor) of each multiwindow pair."""
    return [
        (
            prom_duration(w.long_minutes),
            prom_duration(short_minutes(w)),
            round(burn_factor(w, period_days), 6),
        )
        for w in windows
    ]


# An SLO with every default: the SRE workbook's pairs, as rules/slos.yaml uses them unless
# an SLO overrides them (page on 14.4x over 1h and 5m, or 6x over 6h and 30m; ticket on 3x
# over 1d and 2h, or 1x over 3d and 6h) and a 30-day period. An SLO with its own windows
# records other names, which these dashboards do not show.
_DEFAULT = Slo(name="defaults", sli=SliRule(kind="errors"), objective=0.99)
PAGE_PAIRS = _pairs(_DEFAULT.page, _DEFAULT.period_days)
TICKET_PAIRS = _pairs(_DEFAULT.ticket, _DEFAULT.period_days)
PERIOD_DAYS = _DEFAULT.period_days
PERIOD_WINDOW = prom_duration(PERIOD_DAYS * 1440)

# Finding categories (label `category` of sentinel_findings_total) and filter names, as
# the filters in sentinel/filters/ emit them.
FILTER_PII = "pii"
FILTER_HALLUCINATION = "hallucination"
DIRECT_INJECTION = ("prompt_injection", "jailbreak")  # in user messages
INDIRECT_INJECTION = ("indirect_prompt_injection",)  # in context documents and tool output
ESCALATE = "escalate"  # verdict action that sends an exchange to the review topic
