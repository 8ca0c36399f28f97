"""Turns accounted exchanges and pipeline events into Prometheus samples.

The only module that knows Prometheus metric objects. Children are cached per label tuple:
`labels()` costs about a microsecond per call, a cached child half that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from sentinel.events.model import Feedback
from sentinel.telemetry import names as n
from sentinel.track.account import Accounted, LabelValues
from sentinel.track.labels import LabelBounder
from sentinel.track.quantiles import QUANTILES
from sentinel.track.spend import Burn

_MAX_ERROR_TYPES = 20  # error.type comes from events: bound it like any label


# Slots of the per-label-set counter accumulators (see _Children.pending).
_OK, _ERROR, _TIMEOUT, _RETRIES, _SAVINGS = 0, 1, 2, 3, 4
_TOKENS = 5  # five kinds: input, output, cached_input, cache_write, reasoning
_COST = 10  # four kinds: input, output, cache_read, cache_write
_SLOTS = 14


@dataclass(slots=True)
class _Children:
    """Metric children of one label set. Counter increments accumulate in `pending` and are
    applied once per batch (`flush`): a list add costs a tenth of `Counter.inc`."""

    counters: tuple[Any, ...]  # indexed by the slots above
    latency: Any
    ttft: Any
    input_hist: Any
    output_hist: Any
    pending: list[float]

    def flush(self) -> None:
        pending = self.pending
        for slot, child in enumerate(self.counters):
            if pending[slot]:
                child.inc(pending[slot])
                pending[slot] = 0.0


class PrometheusRecorder:
    """Owns sentinel's metric families in the given registry."""

    def __init__(self, registry: CollectorRegistry, version: str = "dev") -> None:
        labels = n.EXCHANGE_LABELS
        self.events_read = Counter(n.EVENTS_READ, "Raw events read.", registry=registry)
        self.events_invalid = Counter(
            n.EVENTS_INVALID, "Events sent to the dead-letter sink.", ["reason"], registry=registry
        )
        self.events_duplicate = Counter(
            n.EVENTS_DUPLICATE,
            "Events dropped as repeats of a recent event_id.",
            registry=registry,
        )
        self.exchanges = Counter(
            n.EXCHANGES,
            "Exchanges by outcome (ok, error, timeout).",
            [*labels, "outcome"],
            registry=registry,
        )
        self.orphans = Counter(
            n.ORPHAN_RESPONSES, "Responses whose request was never seen.", registry=registry
        )
        self.evictions = Counter(
            n.CORRELATION_EVICTIONS,
            "Pending requests evicted by the pending bound.",
            registry=registry,
        )
        self.pending = Gauge(
            n.PENDING_REQUESTS, "Requests waiting for their response.", registry=registry
        )
        self.latency = Histogram(
            n.LATENCY,
            "End-to-end latency of exchanges.",
            labels,
            buckets=n.LATENCY_BUCKETS,
            registry=registry,
        )
        self.ttft = Histogram(
            n.TTFT, "Time to first token.", labels, buckets=n.TTFT_BUCKETS, registry=registry
        )
        self.retries = Counter(n.RETRIES, "Retries reported by clients.", labels, registry=registry)
        self.errors = Counter(
            n.ERRORS,
            "Failed exchanges by error type.",
            ["service", "model", "variant", "type"],
            registry=registry,
        )
        self.tokens = Counter(n.TOKENS, "Tokens by kind.", [*labels, "kind"], registry=registry)
        self.exchange_tokens = Histogram(
            n.EXCHANGE_TOKENS,
            "Tokens per exchange.",
            ["service", "model", "direction"],
            buckets=n.TOKEN_BUCKETS,
            registry=registry,
        )
        self.cost = Counter(
            n.COST, "Spend in USD by token kind.", [*labels, "kind"], registry=registry
        )
        self.savings = Counter(
            n.CACHE_SAVINGS, "USD saved by cached input tokens.", labels, registry=registry
        )
        self.unpriced = Counter(
            n.UNPRICED, "Exchanges with tokens but no price rule.", ["model"], registry=registry
        )
        self.inconsistent = Counter(
            n.INCONSISTENT_USAGE,
            "Exchanges whose cached tokens exceeded input tokens.",
            ["model"],
            registry=registry,
        )
        self.feedback = Counter(
            n.FEEDBACK,
            "User feedback events by kind.",
            ["service", "model", "variant", "kind"],
            registry=registry,
        )
        self.rating = Histogram(
            n.FEEDBACK_RATING,
            "User ratings.",
            ["service", "model", "variant"],
            buckets=n.RATING_BUCKETS,
            registry=registry,
        )
        self.spend_burn = Gauge(
            n.SPEND_BURN, "Trailing-hour spend rate.", ["service"], registry=registry
        )
        self.token_burn = Gauge(
            n.TOKEN_BURN, "Trailing-hour token rate.", ["service"], registry=registry
        )
        self.month_to_date = Gauge(
            n.SPEND_MONTH_TO_DATE,
            "Spend this calendar month (event time).",
            ["service"],
            registry=registry,
        )
        self.month_forecast = Gauge(
            n.SPEND_MONTH_FORECAST,
            "Month-to-date spend plus trailing rate to month end.",
            ["service"],
            registry=registry,
        )
        self.latency_window = Gauge(
            n.LATENCY_WINDOW,
            "Latency quantiles over the last 5 minutes of event time (this replica's partitions).",
            ["model", "quantile"],
            registry=registry,
        )
        self.watermark = Gauge(n.WATERMARK, "Newest event time seen.", registry=registry)
        self.batch_duration = Histogram(
            n.BATCH_DURATION,
            "Time to process one polled batch.",
            registry=registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.sink_errors = Counter(
            n.SINK_ERRORS, "Outputs that did not accept a write.", ["sink"], registry=registry
        )
        self.commits = Counter(n.COMMITS, "Offset commits.", registry=registry)
        self.consumer_lag = Gauge(
            n.CONSUMER_LAG,
            "Messages behind the partition end.",
            ["topic", "partition"],
            registry=registry,
        )
        Gauge(n.BUILD_INFO, "sentinel version.", ["version"], registry=registry).labels(
            version
        ).set(1)
        self._children: dict[LabelValues, _Children] = {}
        self._dirty: dict[LabelValues, _Children] = {}
        self._error_type = LabelBounder(None, _MAX_ERROR_TYPES)

    def record(self, item: Accounted) -> None:
        """Samples for one exchange (or timeout); counters become visible at `flush()`."""
        labels = item.labels
        c = self._children.get(labels)
        if c is None:
            c = self._children[labels] = self._make_children(labels)
        self._dirty[labels] = c
        p = c.pending
        exchange, tokens, cost = item.exchange, item.tokens, item.cost
        if exchange.kind == "timeout":
            p[_TIMEOUT] += 1
        else:
            if exchange.is_error:
                p[_ERROR] += 1
                self.errors.labels(
                    labels[0], labels[3], labels[4], self._error_type(exchange.error_type)
                ).inc()
            else:
                p[_OK] += 1
            latency, ttft = exchange.latency_ms, exchange.ttft_ms
            if latency is not None:
                c.latency.observe(latency / 1000.0)
            if ttft is not None:
                c.ttft.observe(ttft / 1000.0)
            if exchange.kind == "orphan_response":
                self.orphans.inc()
        p[_RETRIES] += exchange.retries
        if tokens.input or tokens.output:
            p[_TOKENS] += tokens.input
            p[_TOKENS + 1] += tokens.output
            p[_TOKENS + 2] += tokens.cached_input
            p[_TOKENS + 3] += tokens.cache_write
            p[_TOKENS + 4] += tokens.reasoning
            c.input_hist.observe(tokens.input)
            c.output_hist.observe(tokens.output)
            if tokens.inconsistent:
                self.inconsistent.labels(labels[3]).inc()
        if cost.priced:
            p[_COST] += cost.input
            p[_COST + 1] += cost.output
            p[_COST + 2] += cost.cache_read
            p[_COST + 3] += cost.cache_write
            p[_SAVINGS] += cost.cache_savings
        elif tokens.input or tokens.output:
            self.unpriced.labels(labels[3]).inc()

    def flush(self) -> None:
        """Apply the counter increments accumulated since the last flush."""
        for children in self._dirty.values():
            children.flush()
        self._dirty.clear()

    def record_feedback(self, feedback: Feedback, labels: LabelValues) -> None:
        service, model, variant = labels[0], labels[3], labels[4]
        if feedback.rating is not None:
            self.feedback.labels(service, model, variant, "rating").inc()
            self.rating.labels(service, model, variant).observe(feedback.rating)
        if feedback.escalated:
            self.feedback.labels(service, model, variant, "escalation").inc()
        if feedback.complaint:
            self.feedback.labels(service, model, variant, "complaint").inc()

    def record_burn(self, service: str, burn: Burn) -> None:
        self.spend_burn.labels(service).set(burn.usd_per_hour)
        self.token_burn.labels(service).set(burn.tokens_per_second)
        self.month_to_date.labels(service).set(burn.month_to_date_usd)
        self.month_forecast.labels(service).set(burn.month_forecast_usd)

    def record_latency_window(self, model: str, values: tuple[float | None, ...]) -> None:
        for quantile, value in zip(QUANTILES, values, strict=True):
            if value is not None:
                self.latency_window.labels(model, str(quantile)).set(value / 1000.0)

    def _make_children(self, labels: LabelValues) -> _Children:
        service, model = labels[0], labels[3]
        counters = [
            self.exchanges.labels(*labels, "ok"),
            self.exchanges.labels(*labels, "error"),
            self.exchanges.labels(*labels, "timeout"),
            self.retries.labels(*labels),
            self.savings.labels(*labels),
            *(
                self.tokens.labels(*labels, kind)
                for kind in ("input", "output", "cached_input", "cache_write", "reasoning")
            ),
            *(
                self.cost.labels(*labels, kind)
                for kind in ("input", "output", "cache_read", "cache_write")
            ),
        ]
        assert len(counters) == _SLOTS
        return _Children(
            counters=tuple(counters),
            latency=self.latency.labels(*labels),
            ttft=self.ttft.labels(*labels),
            input_hist=self.exchange_tokens.labels(service, model, "input"),
            output_hist=self.exchange_tokens.labels(service, model, "output"),
            pending=[0.0] * _SLOTS,
        )
