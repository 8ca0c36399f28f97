"""The per-record path: decode → dedupe → correlate → account → filters → outputs.

Each step either hands its result to the next or stops the record explicitly (dead letter,
duplicate, feedback). Outputs are the observers below plus the sinks; nothing here commits.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import msgspec
import structlog

from sentinel.admission import Admission
from sentinel.correlate import Correlator, DedupeWindow
from sentinel.events.decode import EventDecoder, Invalid
from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from sentinel.filters.chain import FilterChain, Verdict
from sentinel.io.records import Headers, OutRecord, Record, Sink
from sentinel.monitor import Monitor
from sentinel.records import review_record, verdict_record
from sentinel.telemetry.metrics import PrometheusRecorder
from sentinel.track.account import OUTCOME_OK, Accountant, Accounted, LabelValues
from sentinel.track.quantiles import WindowedSketch, summarize
from sentinel.track.spend import SpendTracker
from sentinel.track.timeline import Timeline
from sentinel.track.totals import RunTotals

log = structlog.get_logger("sentinel.pipeline")
# Which exchanges get a verdict record: every one, only those not plainly ok, or none.
VerdictMode = Literal["all", "flagged", "off"]
# Dead letters carry the raw bytes up to this size (the Kafka sink admits 16 MiB + headers);
# a larger original is truncated, flagged, and still found at its source offset.
DEAD_LETTER_MAX_BYTES = 16 * 1024 * 1024 - 64 * 1024
LATENCY_WINDOW_SECONDS = 300.0  # in-process p50/p95/p99 gauge window
_RECENT_LABELS = 100_000  # request_id -> labels kept for attributing feedback events


class RecordDecoder(Protocol):
    """Bytes of one record to an event, several events (batch formats), or a dead letter."""

    def decode(self, raw: bytes) -> Event | Sequence[Event] | Invalid: ...


class PipelineObserver(Protocol):
    """Told of every verdict and every finished batch (sentinel's own traces, GenAI
    metrics). Must be cheap and must not raise; a raise is logged and ignored."""

    def exchange(self, item: Accounted, verdict: Verdict) -> None: ...

    def batch(self, started_ns: int, records: int) -> None: ...


@dataclass
class EventCounts:
    read: int = 0
    valid: int = 0  # decoded events past the dedupe window (feedback included)
    duplicates: int = 0
    feedback: int = 0
    invalid: Counter[str] = field(default_factory=Counter)


class Pipeline:
    def __init__(
        self,
        decoder: EventDecoder,
        dedupe: DedupeWindow,
        correlator: Correlator,
        accountant: Accountant,
        recorder: PrometheusRecorder,
        sink: Sink,
        chain: FilterChain,
        verdicts: VerdictMode = "all",
        review_actions: Collection[str] = ("escalate",),
        monitor: Monitor | None = None,
        topic_decoders: dict[str, RecordDecoder] | None = None,
        observers: Sequence[PipelineObserver] = (),
        admission: Admission | None = None,
    ) -> None:
        self.decoder = decoder
        self.dedupe = dedupe
        self.correlator = correlator
        self.accountant = accountant
        self.recorder = recorder
        self.sink = sink
        self.chain = chain
        self.verdicts = verdicts
        self.review_actions = frozenset(review_actions)
        self.monitor = monitor
        self.topic_decoders = topic_decoders or {}  # topic -> decoder other than v1 JSON
        self.observers = tuple(observers)
        self.admission = admission  # plausibility bounds and skew guard, before joining
        self._batch_started_ns = 0  # wall time of the batch's first record (observers)
        self._batch_records = 0
        self.counts = EventCounts()
        self._evicted_recorded = 0
        self.totals = RunTotals()
        self.timeline = Timeline(budgets=monitor.slo.statuses if monitor is not None else None)
        self.spend: dict[str, SpendTracker] = {}
        self.latency_windows: dict[str, WindowedSketch] = {}
        self._recent: dict[str, LabelValues] = {}
        self._encoder = msgspec.json.Encoder()

    def process(self, record: Record) -> None:
        """Handle one raw record completely (its outputs are sent, not yet flushed)."""
        self.counts.read += 1
        self.recorder.events_read.inc()
        if not self._batch_records:
            self._batch_started_ns = time.time_ns()
        self._batch_records += 1
        decoder = self.topic_decoders.get(record.topic, self.decoder)
        try:
            decoded = decoder.decode(record.value)
        except Exception as exc:  # decoders never raise; if one does, it is a dead letter
            reason = "too_deep" if isinstance(exc, RecursionError) else "decode_failed"
            decoded = Invalid(reason, f"decoder raised {type(exc).__name__}", len(record.value))
        if isinstance(decoded, Invalid):
            self._dead_letter(record, decoded)
        elif isinstance(decoded, Event):
            self._admit(record, decoded)
        else:  # a batch format (OTLP): one record, many events
            for event in decoded:
                self._admit(record, event)

    def _admit(self, record: Record, event: Event) -> None:
        if self.admission is None:
            self._event(event)
            return
        for source, admitted in self.admission.admit(record, event):
            if isinstance(admitted, Invalid):
                self._dead_letter(source, admitted)
            else:
                self._event(admitted)

    def _event(self, event: Event) -> None:
        if self.dedupe.seen(event.event_id):
            self.counts.duplicates += 1
            self.recorder.events_duplicate.inc()
            return
        self.counts.valid += 1
        if event.type == "feedback":
            self._feedback(event)
            return
        # Event time moves first (timeouts complete), then the monitors evaluate the ticks
        # it passed, then the event joins: a replay evaluates exactly as the live run did.
        for exchange in self.correlator.advance(event.event_time):
            self._complete(exchange)
        if self.monitor is not None:
            self.monitor.advance(self.correlator.watermark)
        for exchange in self.correlator.offer(event):
            self._complete(exchange)

    def idle(self, idle_seconds: float) -> None:
        """No input for `idle_seconds` more: event time progresses by as much, so pending
        requests still time out when traffic stops."""
        watermark = self.correlator.watermark
        if watermark != float("-inf"):
            for exchange in self.correlator.advance(watermark + idle_seconds):
                self._complete(exchange)
            if self.monitor is not None:
                self.monitor.advance(self.correlator.watermark)

    def drain(self) -> None:
        """End of a finite input: pending requests are timeouts."""
        if self.admission is not None:
            for source, admitted in self.admission.flush():
                if isinstance(admitted, Invalid):
                    self._dead_letter(source, admitted)
                else:
                    self._event(admitted)
        for exchange in self.correlator.drain():
            self._complete(exchange)

    def end_batch(self) -> None:
        """Publish the batch's counters and refresh the gauges that summarise state
        (once per batch is far cheaper than once per event)."""
        recorder = self.recorder
        for observer in self.observers:
            try:
                observer.batch(self._batch_started_ns, self._batch_records)
            except Exception:  # telemetry never takes the consumer down
                log.warning("observer_failed", observer=type(observer).__name__)
        self._batch_records = 0
        stats = self.correlator.stats
        recorder.evictions.inc(stats.evicted - self._evicted_recorded)
        self._evicted_recorded = stats.evicted
        recorder.pending.set(self.correlator.stats.pending)
        if self.correlator.watermark != float("-inf"):
            recorder.watermark.set(self.correlator.watermark)
        for service, tracker in self.spend.items():
            recorder.record_burn(service, tracker.burn())
        for model, window in self.latency_windows.items():
            s = summarize(window.window(LATENCY_WINDOW_SECONDS))
            recorder.record_latency_window(model, (s.p50, s.p95, s.p99))
        if self.monitor is not None:
            self.monitor.publish()  # scrapes read this snapshot, never live state

    def _complete(self, exchange: Exchange) -> None:
        item = self.accountant.account(exchange)
        self.totals.add(item)
        self.recorder.record(item)
        labels, event_time = item.labels, item.event_time
        spend = self.spend.get(labels[0])
        if spend is None:
            spend = self.spend[labels[0]] = SpendTracker()
        spend.add(item.cost.total, item.tokens.input + item.tokens.output, event_time)
        latency = item.latency_ms
        if latency is not None:
            window = self.latency_windows.get(labels[3])
            if window is None:
                window = self.latency_windows[labels[3]] = WindowedSketch()
            window.add(latency, event_time)
        recent = self._recent
        recent[exchange.request_id] = labels
        if len(recent) > _RECENT_LABELS:
            del recent[next(iter(recent))]
        verdict = self.chain.run(exchange)
        self.totals.add_verdict(verdict)
        self.timeline.add(item, verdict)
        self.recorder.record_verdict(verdict, labels)
        if self.monitor is not None:
            self.monitor.observe(item, verdict)
        for observer in self.observers:
            try:
                observer.exchange(item, verdict)
            except Exception:  # telemetry never takes the consumer down
                log.warning("observer_failed", observer=type(observer).__name__)
        key = exchange.request_id.encode()
        if self.verdicts == "all" or (
            self.verdicts == "flagged" and (item.outcome != OUTCOME_OK or verdict.findings)
        ):
            record = self._encoder.encode(verdict_record(item, verdict))
            self.sink.send(OutRecord("verdicts", record, key))
        if verdict.action in self.review_actions:
            record = self._encoder.encode(review_record(item, verdict))
            self.sink.send(OutRecord("review", record, key))

    def _feedback(self, event: Event) -> None:
        self.counts.feedback += 1
        if event.feedback is None:
            return
        labels = self._recent.get(event.request_id) or self.accountant.labels(
            event.service, event.endpoint, event.feature, event.model, event.variant
        )
        self.totals.feedback.add(event.feedback)
        self.recorder.record_feedback(event.feedback, labels)

    def _dead_letter(self, record: Record, invalid: Invalid) -> None:
        self.counts.invalid[invalid.reason] += 1
        self.recorder.events_invalid.labels(invalid.reason).inc()
        headers: Headers = (
            ("sentinel.reason", invalid.reason.encode()),
            ("sentinel.detail", invalid.detail.encode()),
            ("sentinel.source", f"{record.topic}:{record.partition}:{record.offset}".encode()),
            ("sentinel.size_bytes", str(invalid.size_bytes).encode()),
        )
        value = record.value
        if len(value) > DEAD_LETTER_MAX_BYTES:  # the original stays at sentinel.source
            value = value[:DEAD_LETTER_MAX_BYTES]
            headers += (("sentinel.truncated", b"true"),)
        self.sink.send(OutRecord("dead_letter", value, record.key, headers))
