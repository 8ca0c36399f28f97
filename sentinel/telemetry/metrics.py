"""Turns accounted exchanges and pipeline events into Prometheus samples.

With `exchange_series.py`, the only module that knows Prometheus. The per-exchange samples
live in `ExchangeSeries` (plain lists, built into metric families when scraped); the rarer
ones (errors by type, feedback, pipeline health) use prometheus_client's metric objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mypy_extensions import mypyc_attr
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from sentinel.build import core
from sentinel.events.model import Feedback
from sentinel.observers import BatchEnd, Observer
from sentinel.telemetry import names as n
from sentinel.telemetry.exchange_series import ExchangeSeries
from sentinel.track.labels import LabelBounder
from sentinel.track.live import LATENCY_WINDOW_SECONDS, LiveTrackers
from sentinel.track.quantiles import QUANTILES, summarize
from sentinel.track.spend import Burn
from sentinel.values import HALLUCINATION_RISK_SCORE, Accounted, Labels, Verdict

_MAX_ERROR_TYPES = 20  # error.type comes from events: bound it like any label
_MAX_CATEGORIES = 200  # finding categories come from rules (entities, custom categories)


INJECTION_FOLLOWED = "injection_followed"  # the content filter's finding category
INJECTION_SCORE_PREFIX = "injection."  # verdict score names: injection.<field kind>


@mypyc_attr(allow_interpreted_subclasses=True)  # a test's per-exchange reference
class PrometheusRecorder(Observer):
    """Owns sentinel's metric families in the given registry. An observer of the exchange
    path (per exchange: `ExchangeSeries` and verdict samples; per batch: counters of the
    pipeline's counts, gauges of the live trackers) and the consume loop's `LoopReport`.
    Per-exchange values are published by the end of each batch: the exchange series as an
    immutable snapshot, verdict counts summed per label set and action."""

    def __init__(
        self,
        registry: CollectorRegistry,
        version: str = "dev",
        trackers: LiveTrackers | None = None,
    ) -> None:
        self._trackers = trackers
        self._low_shown: set[tuple[str, str]] = set()  # partitions with a low-watermark series
        self._published: dict[str, int] = {}  # whole-run counts already added to counters
        self.events_read = Counter(n.EVENTS_READ, "Raw events read.", registry=registry)
        self.events_invalid = Counter(
            n.EVENTS_INVALID, "Events sent to the dead-letter sink.", ["reason"], registry=registry
        )
        self.events_duplicate = Counter(
            n.EVENTS_DUPLICATE,
            "Events dropped as repeats of a recent event_id.",
            registry=registry,
        )
        self.orphans = Counter(
            n.ORPHAN_RESPONSES, "Responses whose request was never seen.", registry=registry
        )
        self.late_events = Counter(
            n.LATE_EVENTS,
            "Events that came after their other half had timed out (no second exchange; "
            "their tokens are not priced).",
            registry=registry,
        )
        self.evictions = Counter(
            n.CORRELATION_EVICTIONS,
            "Pending requests evicted by the pending bound.",
            registry=registry,
        )
        self.pending = Gauge(
            n.PENDING_REQUESTS, "Requests waiting for their response.", registry=registry
        )
        self.errors = Counter(
            n.ERRORS,
            "Failed exchanges by error type.",
            ["service", "model", "variant", "type"],
            registry=registry,
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
        self.feedback_events = Counter(
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
        self.spend_guard_trips = Counter(
            n.SPEND_GUARD_TRIPS,
            "Spend-guard trips: a series going over one of its guard's thresholds.",
            ["guard"],
            registry=registry,
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
        self.state_low_watermark = Gauge(
            n.STATE_LOW_WATERMARK,
            "Event time below which an input partition adds nothing more (global view).",
            ["topic", "partition"],
            registry=registry,
        )
        self.state_complete_until = Gauge(
            n.STATE_COMPLETE_UNTIL,
            "Event time before which every partition is final: the monitors evaluate "
            "the global view up to here.",
            registry=registry,
        )
        self.findings = Counter(
            n.FINDINGS,
            "Filter findings.",
            ["filter", "category", "severity", "action", "field", "service", "model", "variant"],
            registry=registry,
        )
        self.injection_score = Histogram(
            n.INJECTION_SCORE,
            "Highest prompt-injection score of an exchange per scored channel (0..1).",
            ["service", "model", "variant", "channel"],
            buckets=n.SCORE_BUCKETS,
            registry=registry,
        )
        self.injection_followed = Counter(
            n.INJECTION_FOLLOWED,
            "Exchanges whose output carried out an instruction found only in a data channel.",
            ["service", "model", "variant"],
            registry=registry,
        )
        self.verdicts = Counter(
            n.VERDICTS,
            "Exchanges by verdict action.",
            ["service", "model", "variant", "action"],
            registry=registry,
        )
        self.pii_leaks = Counter(
            n.PII_LEAKS,
            "PII in outputs or tool arguments that the user did not supply.",
            ["service", "model", "variant"],
            registry=registry,
        )
        self.hallucination_risk = Histogram(
            n.HALLUCINATION_RISK,
            "Groundedness risk of a response against its context (0 supported, 1 none).",
            ["service", "model", "variant"],
            buckets=n.RISK_BUCKETS,
            registry=registry,
        )
        self.filter_duration = Histogram(
            n.FILTER_DURATION,
            "Time one filter spent on one exchange.",
            ["filter"],
            buckets=n.FILTER_BUCKETS,
            registry=registry,
        )
        self.filter_failures = Counter(
            n.FILTER_FAILURES,
            "Filters that raised (the verdict follows on_error).",
            ["filter"],
            registry=registry,
        )
        self.scan_incomplete = Counter(
            n.SCAN_INCOMPLETE,
            "Exchanges a filter did not scan completely.",
            ["filter", "reason"],
            registry=registry,
        )
        self.scan_skipped = Counter(
            n.SCAN_SKIPPED_CHARS,
            "Characters left unscanned by the byte budget.",
            registry=registry,
        )
        self._category = LabelBounder(None, _MAX_CATEGORIES)
        self._children: dict[tuple[str, ...], Any] = {}
        self._durations: dict[str, Any] = {}  # filter name -> its filter_duration child
        self._actions: dict[tuple[Labels, str], int] = {}  # verdicts of the batch so far
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
        Gauge(
            n.BUILD_INFO,
            "sentinel version, and whether its per-event core runs compiled or interpreted.",
            ["version", "core"],
            registry=registry,
        ).labels(version, core()).set(1)
        self.series = ExchangeSeries()
        registry.register(self.series)
        self._error_type = LabelBounder(None, _MAX_ERROR_TYPES)

    # -- observer hooks -----------------------------------------------------------------

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        self.record(item)
        labels = item.labels
        key = (labels, verdict.action)  # counted per label set and action, added per batch
        self._actions[key] = self._actions.get(key, 0) + 1
        if verdict.findings or verdict.scores or verdict.filter_seconds or not verdict.complete:
            self._verdict_details(verdict, labels)

    def feedback(self, feedback: Feedback, labels: Labels) -> None:
        self.record_feedback(feedback, labels)

    def batch_end(self, batch: BatchEnd) -> None:
        """Publish the batch's counts and refresh the gauges that summarise state (once per
        batch is far cheaper than once per event)."""
        self.series.publish()
        if self._actions:
            child, verdicts = self._child, self.verdicts
            for (labels, action), count in self._actions.items():
                child(verdicts, labels.service, labels.model, labels.variant, action).inc(count)
            self._actions = {}
        self._add(self.events_read, "read", batch.read)
        self._add(self.events_duplicate, "duplicates", batch.duplicates)
        for reason, count in batch.invalid.items():
            self._add(self.events_invalid.labels(reason), f"invalid:{reason}", count)
        self._add(self.evictions, "evicted", batch.evicted)
        self._add(self.late_events, "late", batch.late)
        self.pending.set(batch.pending)
        if batch.watermark != float("-inf"):
            self.watermark.set(batch.watermark)
        if batch.complete_until != float("-inf"):
            self.state_complete_until.set(batch.complete_until)
        self._low_watermarks(batch.low_watermarks)
        if self._trackers is not None:
            for service, tracker in self._trackers.spend.items():
                self.record_burn(service, tracker.burn())
            for model, window in self._trackers.latency_windows.items():
                s = summarize(window.window(LATENCY_WINDOW_SECONDS))
                self.record_latency_window(model, (s.p50, s.p95, s.p99))

    def _low_watermarks(self, marks: tuple[tuple[str, int, float], ...]) -> None:
        """Per-partition low watermarks of the global view (the one furthest behind holds
        evaluation back); partitions gone from the view lose their series."""
        shown: set[tuple[str, str]] = set()
        for topic, partition, low in marks:
            if low in (float("inf"), float("-inf")):
                continue  # nothing counted yet, or nothing waiting and no event time
            labels = (topic, str(partition))
            shown.add(labels)
            self.state_low_watermark.labels(*labels).set(low)
        for labels in self._low_shown - shown:
            self.state_low_watermark.remove(*labels)
        self._low_shown = shown

    def _add(self, counter: Any, key: str, total: int) -> None:
        delta = total - self._published.get(key, 0)
        if delta:
            counter.inc(delta)
            self._published[key] = total

    def spend_guard_tripped(self, guard: str) -> None:
        """The monitor saw a new spend-guard trip (guard names come from rules: bounded)."""
        self.spend_guard_trips.labels(guard).inc()

    # -- the consume loop (`sentinel.runner.LoopReport`) -------------------------------

    def batch_done(self, seconds: float) -> None:
        self.batch_duration.observe(seconds)

    def committed(self) -> None:
        self.commits.inc()

    def sink_failed(self, sink: str) -> None:
        self.sink_errors.labels(sink).inc()

    def lag(self, lags: Mapping[tuple[str, int], int]) -> None:
        for (topic, partition), lag in lags.items():
            self.consumer_lag.labels(topic, str(partition)).set(lag)

    # -- samples ----------------------------------------------------------------------

    def record(self, item: Accounted) -> None:
        """Samples for one exchange (or timeout); the exchange series publish at batch ends."""
        self.series.record(item)
        exchange, labels = item.exchange, item.labels
        if item.outcome == "error":
            self.errors.labels(
                labels.service, labels.model, labels.variant, self._error_type(exchange.error_type)
            ).inc()
        if exchange.kind == "orphan_response":
            self.orphans.inc()
        tokens = item.tokens
        if tokens.inconsistent:
            self.inconsistent.labels(labels.model).inc()
        if not item.cost.priced and (tokens.input or tokens.output):
            self.unpriced.labels(labels.model).inc()

    def record_verdict(self, verdict: Verdict, labels: Labels) -> None:
        """Samples for one verdict, at once."""
        service, model, variant = labels.service, labels.model, labels.variant
        self._child(self.verdicts, service, model, variant, verdict.action).inc()
        self._verdict_details(verdict, labels)

    def _verdict_details(self, verdict: Verdict, labels: Labels) -> None:
        """A verdict's samples besides its action: filter times, findings, scores, scans."""
        service, model, variant = labels.service, labels.model, labels.variant
        durations = self._durations
        for name, seconds in verdict.filter_seconds:
            child = durations.get(name)
            if child is None:
                child = durations[name] = self.filter_duration.labels(name)
            child.observe(seconds)
        followed = False
        for f in verdict.findings:
            category = self._category(f.category)
            self._child(
                self.findings,
                f.filter,
                category,
                f.severity,
                f.action,
                f.field_kind,
                service,
                model,
                variant,
            ).inc()
            if f.leak:
                self._child(self.pii_leaks, service, model, variant).inc()
            followed = followed or f.category == INJECTION_FOLLOWED
        if followed:
            self._child(self.injection_followed, service, model, variant).inc()
        for name, score in verdict.scores:
            if name.startswith(INJECTION_SCORE_PREFIX):  # injection.<channel>: a field kind
                channel = name[len(INJECTION_SCORE_PREFIX) :]
                self._child(self.injection_score, service, model, variant, channel).observe(score)
            elif name == HALLUCINATION_RISK_SCORE:
                self._child(self.hallucination_risk, service, model, variant).observe(score)
        for name in verdict.failed_filters:
            self.filter_failures.labels(name).inc()
        for name, reason in verdict.partial:
            self.scan_incomplete.labels(name, reason).inc()
        if verdict.skipped_bytes:
            self.scan_incomplete.labels("all", "byte_budget").inc()
            self.scan_skipped.inc(verdict.skipped_bytes)

    def _child(self, metric: Any, *values: str) -> Any:
        """`metric.labels(*values)`, cached: half the cost on the per-exchange path."""
        key = (metric._name, *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def record_feedback(self, feedback: Feedback, labels: Labels) -> None:
        service, model, variant = labels.service, labels.model, labels.variant
        if feedback.rating is not None:
            self.feedback_events.labels(service, model, variant, "rating").inc()
            self.rating.labels(service, model, variant).observe(feedback.rating)
        if feedback.escalated:
            self.feedback_events.labels(service, model, variant, "escalation").inc()
        if feedback.complaint:
            self.feedback_events.labels(service, model, variant, "complaint").inc()

    def record_burn(self, service: str, burn: Burn) -> None:
        self.spend_burn.labels(service).set(burn.usd_per_hour)
        self.token_burn.labels(service).set(burn.tokens_per_second)
        self.month_to_date.labels(service).set(burn.month_to_date_usd)
        self.month_forecast.labels(service).set(burn.month_forecast_usd)

    def record_latency_window(self, model: str, values: tuple[float | None, ...]) -> None:
        for quantile, value in zip(QUANTILES, values, strict=True):
            if value is not None:
                self.latency_window.labels(model, str(quantile)).set(value / 1000.0)
