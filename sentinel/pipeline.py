"""The path of one record: decode → dedupe → correlate → account → judge → emit → observe.

Each step either hands its result to the next or stops the record explicitly (dead letter,
duplicate, feedback). A completed exchange takes the core steps in `_complete`: account
(labels, tokens, cost, once), judge (the filter chain's verdict), emit (verdict and review
records to the sink); then every observer is told (`sentinel.observers`). Event time is
announced to observers as it moves; nothing here evaluates monitors or commits.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import msgspec

from sentinel.admission import Admission
from sentinel.correlate import Correlator, DedupeWindow
from sentinel.events.decode import EventDecoder, Invalid
from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from sentinel.filters.chain import FilterChain
from sentinel.io.records import Headers, OutRecord, Record, Sink
from sentinel.observers import BatchEnd, Observer, failed, hooks
from sentinel.records import review_record, verdict_record
from sentinel.track.account import Accountant
from sentinel.values import Accounted, Labels, Verdict

# Which exchanges get a verdict record: every one, only those not plainly ok, or none.
VerdictMode = Literal["all", "flagged", "off"]
# Dead letters carry the raw bytes up to this size (the Kafka sink admits 16 MiB + headers);
# a larger original is truncated, flagged, and still found at its source offset.
DEAD_LETTER_MAX_BYTES = 16 * 1024 * 1024 - 64 * 1024
_RECENT_LABELS = 100_000  # request_id -> labels kept for attributing feedback events


class RecordDecoder(Protocol):
    """Bytes of one record to an event, several events (batch formats), or a dead letter."""

    def decode(self, raw: bytes) -> Event | Sequence[Event] | Invalid: ...


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
        sink: Sink,
        chain: FilterChain,
        verdicts: VerdictMode = "all",
        review_actions: Collection[str] = ("escalate",),
        topic_decoders: dict[str, RecordDecoder] | None = None,
        observers: Sequence[Observer] = (),
        admission: Admission | None = None,
    ) -> None:
        self.decoder = decoder
        self.dedupe = dedupe
        self.correlator = correlator
        self.accountant = accountant
        self.sink = sink
        self.chain = chain
        self.verdicts = verdicts
        self.review_actions = frozenset(review_actions)
        self.topic_decoders = topic_decoders or {}  # topic -> decoder other than v1 JSON
        self.observers = tuple(observers)
        self.admission = admission  # plausibility bounds and skew guard, before joining
        self._on_exchange = hooks(self.observers, "exchange")
        self._on_feedback = hooks(self.observers, "feedback")
        self._on_time = hooks(self.observers, "time")
        self._on_batch_end = hooks(self.observers, "batch_end")
        self._batch_started_ns = 0  # wall time of the batch's first record (observers)
        self._batch_records = 0
        self.counts = EventCounts()
        self._recent: dict[str, Labels] = {}
        self._encoder = msgspec.json.Encoder()

    def process(self, record: Record) -> None:
        """Handle one raw record completely (its outputs are sent, not yet flushed)."""
        self.counts.read += 1
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
            return
        self.counts.valid += 1
        if event.type == "feedback":
            self._feedback(event)
            return
        # Event time moves first (timeouts complete), then observers hear the new time,
        # then the event joins: monitors see exchanges in event-time order, in replay as live.
        self._advance(event.event_time)
        for exchange in self.correlator.join(event):
            self._complete(exchange)

    def _advance(self, event_time: float) -> None:
        before = self.correlator.watermark
        for exchange in self.correlator.advance(event_time):
            self._complete(exchange)
        watermark = self.correlator.watermark
        if watermark != before:
            for hook in self._on_time:
                try:
                    hook(watermark)
                except Exception:  # telemetry never takes the consumer down
                    failed(hook)

    def idle(self, idle_seconds: float) -> None:
        """No input for `idle_seconds` more: event time progresses by as much, so pending
        requests still time out when traffic stops."""
        watermark = self.correlator.watermark
        if watermark != float("-inf"):
            self._advance(watermark + idle_seconds)

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
        """Tell observers the batch is done (they publish what they aggregate per batch)."""
        counts, stats = self.counts, self.correlator.stats
        batch = BatchEnd(
            started_ns=self._batch_started_ns if self._batch_records else 0,
            records=self._batch_records,
            watermark=self.correlator.watermark,
            read=counts.read,
            duplicates=counts.duplicates,
            invalid=counts.invalid,
            pending=stats.pending,
            evicted=stats.evicted,
        )
        self._batch_records = 0
        for hook in self._on_batch_end:
            try:
                hook(batch)
            except Exception:  # telemetry never takes the consumer down
                failed(hook)

    def _complete(self, exchange: Exchange) -> None:
        item = self.accountant.account(exchange)  # account
        verdict = self.chain.run(exchange)  # judge
        self._emit(item, verdict)  # emit
        recent = self._recent
        recent[exchange.request_id] = item.labels
        if len(recent) > _RECENT_LABELS:
            del recent[next(iter(recent))]
        for hook in self._on_exchange:  # observe
            try:
                hook(item, verdict)
            except Exception:  # telemetry never takes the consumer down
                failed(hook)

    def _emit(self, item: Accounted, verdict: Verdict) -> None:
        key = item.exchange.request_id.encode()
        if self.verdicts == "all" or (
            self.verdicts == "flagged" and (item.outcome != "ok" or verdict.findings)
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
        for hook in self._on_feedback:
            try:
                hook(event.feedback, labels)
            except Exception:  # telemetry never takes the consumer down
                failed(hook)

    def _dead_letter(self, record: Record, invalid: Invalid) -> None:
        self.counts.invalid[invalid.reason] += 1
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
