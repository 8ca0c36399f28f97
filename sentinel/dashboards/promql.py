"""PromQL for the dashboards, built from the metric-name constants of `telemetry/names.py`.

`Scope.sel()` writes a selector that filters on a dashboard's variables (`job=~"$job"`,
`service=~"$service"`, ...) wherever the metric carries that label, and refuses a label the
metric does not have: a typo or a filter on a label the metric lacks
(`sentinel_filter_duration_seconds{service=...}`) fails when the dashboards are generated,
not in front of a reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sentinel.dashboards import constants as c
from sentinel.telemetry import names as n

RATE_INTERVAL = "$__rate_interval"  # Grafana: at least four scrape intervals
RANGE = "$__range"  # Grafana: the dashboard's time range

_EXCHANGE = frozenset(n.EXCHANGE_LABELS)
_SMV = frozenset({"service", "model", "variant"})

# The labels of each of sentinel's metrics (telemetry/metrics.py, exchange_series.py,
# slo_series.py, alerting.py, rollback.py, delivery.py), besides the target labels
# `job` and `instance` that Prometheus adds when it scrapes.
SENTINEL_LABELS: dict[str, frozenset[str]] = {
    n.EVENTS_READ: frozenset(),
    n.EVENTS_INVALID: frozenset({"reason"}),
    n.EVENTS_DUPLICATE: frozenset(),
    n.FEEDBACK: _SMV | {"kind"},
    n.FEEDBACK_RATING: _SMV,
    n.EXCHANGES: _EXCHANGE | {"outcome"},
    n.ORPHAN_RESPONSES: frozenset(),
    n.LATE_EVENTS: frozenset(),
    n.CORRELATION_EVICTIONS: frozenset(),
    n.PENDING_REQUESTS: frozenset(),
    n.LATENCY: _EXCHANGE,
    n.TTFT: _EXCHANGE,
    n.RETRIES: _EXCHANGE,
    n.ERRORS: _SMV | {"type"},
    n.TOKENS: _EXCHANGE | {"kind"},
    n.EXCHANGE_TOKENS: frozenset({"service", "model", "direction"}),
    n.COST: _EXCHANGE | {"kind"},
    n.CACHE_SAVINGS: _EXCHANGE,
    n.UNPRICED: frozenset({"model"}),
    n.INCONSISTENT_USAGE: frozenset({"model"}),
    n.SPEND_BURN: frozenset({"service"}),
    n.TOKEN_BURN: frozenset({"service"}),
    n.SPEND_MONTH_TO_DATE: frozenset({"service"}),
    n.SPEND_MONTH_FORECAST: frozenset({"service"}),
    n.LATENCY_WINDOW: frozenset({"model", "quantile"}),
    n.WATERMARK: frozenset(),
    n.STATE_LOW_WATERMARK: frozenset({"topic", "partition"}),
    n.STATE_COMPLETE_UNTIL: frozenset(),
    n.FINDINGS: _SMV | {"filter", "category", "severity", "action", "field"},
    n.INJECTION_SCORE: _SMV | {"channel"},
    n.INJECTION_FOLLOWED: _SMV,
    n.VERDICTS: _SMV | {"action"},
    n.PII_LEAKS: _SMV,
    n.FILTER_DURATION: frozenset({"filter"}),
    n.FILTER_FAILURES: frozenset({"filter"}),
    n.SCAN_INCOMPLETE: frozenset({"filter", "reason"}),
    n.SCAN_SKIPPED_CHARS: frozenset(),
    n.SLO_EVENTS: _EXCHANGE | {"slo", "result"},
    n.SLO_OBJECTIVE: frozenset({"slo"}),
    n.SLO_BURN_RATE: _EXCHANGE | {"slo", "window"},
    n.SLO_BUDGET_REMAINING: _EXCHANGE | {"slo"},
    n.ALERTS_FIRING: frozenset({"alertname", "severity"}),
    n.ALERT_DELIVERIES: frozenset({"receiver", "result"}),
    n.ROLLBACK_DECISIONS: frozenset({"variant", "sli", "decision"}),
    n.ROLLBACK_GATE: frozenset({"variant"}),
    n.ROLLBACK_WEBHOOK_DELIVERIES: frozenset({"result"}),
    n.SPEND_GUARD_TRIPS: frozenset({"guard"}),
    n.THROTTLE_WEBHOOK_DELIVERIES: frozenset({"result"}),
    n.BATCH_DURATION: frozenset(),
    n.SINK_ERRORS: frozenset({"sink"}),
    n.COMMITS: frozenset(),
    n.CONSUMER_LAG: frozenset({"topic", "partition"}),
    n.BUILD_INFO: frozenset({"version", "core"}),
}
HISTOGRAMS = frozenset(
    {
        n.LATENCY,
        n.TTFT,
        n.EXCHANGE_TOKENS,
        n.FEEDBACK_RATING,
        n.FILTER_DURATION,
        n.BATCH_DURATION,
        n.INJECTION_SCORE,
    }
)
_TARGET_LABELS = frozenset({"job", "instance"})
_RULE_LABELS = frozenset({"slo", "service", "variant"})  # the `by` labels rules/slos.yaml uses

# Series that are not scraped from sentinel: recording rules and Prometheus built-ins.
OTHER_LABELS: dict[str, frozenset[str]] = {
    n.OBJECTIVE: frozenset({"slo"}),
    n.ERROR_BUDGET: frozenset({"slo"}),
    n.CURRENT_BURN_RATE: _RULE_LABELS,
    n.PERIOD_BURN_RATE: _RULE_LABELS,
    n.PERIOD_BUDGET_REMAINING: _RULE_LABELS,
    **{
        n.sli_error_ratio(w): _RULE_LABELS | {"window"}
        for pair in (*c.PAGE_PAIRS, *c.TICKET_PAIRS)
        for w in pair[:2]
    },
    n.sli_error_ratio(c.PERIOD_WINDOW): _RULE_LABELS | {"window"},
    c.ALERTS: frozenset({"alertname", "alertstate", "severity", "slo", "service", "variant"}),
    c.UP: _TARGET_LABELS,
}

_MATCHER = re.compile(r"^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"")


def labels_of(name: str) -> frozenset[str]:
    """Labels a series called `name` carries (a histogram's `_bucket` also has `le`)."""
    for suffix in ("_bucket", "_sum", "_count"):
        base = name.removesuffix(suffix)
        if base != name and base in HISTOGRAMS:
            extra = {"le"} if suffix == "_bucket" else set()
            return SENTINEL_LABELS[base] | _TARGET_LABELS | extra
    if name in SENTINEL_LABELS:
        return SENTINEL_LABELS[name] | _TARGET_LABELS
    if name in OTHER_LABELS:
        return OTHER_LABELS[name]
    raise ValueError(f"unknown series {name!r}: not in telemetry/names.py nor constants.py")


def known_series() -> frozenset[str]:
    """Every series name a dashboard query may select."""
    histogram_parts = {f"{h}{s}" for h in HISTOGRAMS for s in ("_bucket", "_sum", "_count")}
    return frozenset(SENTINEL_LABELS) | histogram_parts | frozenset(OTHER_LABELS)


def _check(name: str, labels: Sequence[str], what: str) -> None:
    unknown = [label for label in labels if label not in labels_of(name)]
    if unknown:
        raise ValueError(f"{name} has no label {', '.join(unknown)} ({what})")


def aggregate(op: str, by: Sequence[str], expr: str) -> str:
    """`sum by (a, b) (expr)`, or `sum(expr)` without labels."""
    return f"{op} by ({', '.join(by)}) ({expr})" if by else f"{op}({expr})"


@dataclass(frozen=True)
class Scope:
    """The dashboard variables that selectors filter on where the metric has the label."""

    variables: tuple[str, ...]

    def sel(self, name: str, *matchers: str, **equal: str) -> str:
        """`name{job=~"$job", ..., k="v", <matchers>}`; matchers as PromQL text."""
        own = [m.group(1) for m in map(_MATCHER.match, matchers) if m]
        if len(own) != len(matchers):
            raise ValueError(f'{name}: matchers must look like label="...": {matchers}')
        _check(name, [*equal, *own], "matcher")
        labels = labels_of(name)
        parts = [f'{v}=~"${v}"' for v in self.variables if v in labels and v not in equal]
        parts += [f'{k}="{v}"' for k, v in equal.items()]
        parts += [m.strip() for m in matchers]
        return f"{name}{{{', '.join(parts)}}}" if parts else name

    def rate(
        self,
        name: str,
        *matchers: str,
        by: Sequence[str] = (),
        window: str = RATE_INTERVAL,
        fn: str = "rate",
        **equal: str,
    ) -> str:
        """`sum by (...) (rate(name{...}[window]))` (or increase with fn="increase")."""
        _check(name, by, "by")
        return aggregate("sum", by, f"{fn}({self.sel(name, *matchers, **equal)}[{window}])")

    def increase(
        self, name: str, *matchers: str, by: Sequence[str] = (), window: str = RANGE, **equal: str
    ) -> str:
        """How much a counter grew over `window` (the dashboard's range by default)."""
        return self.rate(name, *matchers, by=by, window=window, fn="increase", **equal)

    def quantile(self, q: float, histogram: str, *matchers: str, by: Sequence[str] = ()) -> str:
        """The q-quantile of a histogram over the rate window, per `by` group."""
        bucket = f"{histogram}_bucket"
        rate = self.rate(bucket, *matchers, by=("le", *by))
        return f"histogram_quantile({q:g}, {rate})"

    def mean(self, histogram: str, *matchers: str, by: Sequence[str] = ()) -> str:
        """Mean observation over the rate window: rate of the sum / rate of the count."""
        total = self.rate(f"{histogram}_sum", *matchers, by=by)
        count = self.rate(f"{histogram}_count", *matchers, by=by)
        return f"{total} / {count}"

    def gauge(self, name: str, *matchers: str, op: str = "sum", by: Sequence[str] = ()) -> str:
        """`op by (...) (name{...})` for a gauge or a recorded series."""
        _check(name, by, "by")
        return aggregate(op, by, self.sel(name, *matchers))


def share(part: str, whole: str) -> str:
    """`part / whole`, and 0 where `whole` has a series but `part` has none (a labelled
    counter has no series until its first increment: no blocks yet means 0 % blocked)."""
    return f"({part} or 0 * {whole}) / {whole}"


def regex(values: Sequence[str]) -> str:
    """A regex alternation for a matcher: ("a", "b") -> "a|b"."""
    return "|".join(values)
