"""The path of one record: decode → dedupe → correlate → account → judge → emit → observe.

Each step either hands its result to the next or stops the record explicitly (dead letter,
duplicate, feedback). A completed exchange takes the core steps in `_complete`: account
(labels, tokens, cost, once), judge (the filter chain's verdict), emit (verdict and review
records to the sink); then every observer is told (`sentinel.observers`). Event time is
announced to observers as it moves; nothing here commits.

Records are handled per input partition: each has its own join (and event time) and its
own share of the monitor state (`sentinel.state`). A record below the partition's
`covered` offset is already counted: it is skipped, except the events the state says were
still waiting in the join, which are re-read into it without emitting anything. Once per
batch, `end_batch` publishes the partitions' changes (the `state` stream) and has the
monitors follow the global view, before the observers hear of the batch end.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import msgspec

from sentinel.admission import Admission
from sentinel.correlate import DedupeWindow, PartitionedCorrelator
from sentinel.events.decode import EventDecoder, Invalid
from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from sentinel.filters.chain import FilterChain
from sentinel.io.records import Headers, OutRecord, Record, Sink
from sentinel.observers import BatchEnd, Observer, failed, hooks
from sentinel.records import review_record, verdict_record
from sentinel.state import PartitionId, PartitionState, SharedState
from sentinel.track.account import Accountant
from sentinel.values import Accounted, Labels, Verdict

# Which exchanges get a verdict record: every one, only those not plainly ok, or none.
VerdictMode = Literal["all", "flagged", "off"]
# Dead letters carry the raw bytes up to this size (the Kafka sink admits 16 MiB + headers),
# or less when the dead-letter topic takes less (`sentinel run` asks the broker); a larger
# original is truncated, flagged, and still found at its source offset.
DEAD_LETTER_MAX_BYTES = 16 * 1024 * 1024 - 64 * 1024
_RECENT_LABELS = 100_000  # request_id -> labels kept for attributing feedback events
_RETAIN_EVERY_BATCHES = 50  # re-sync the waiting set with the join (replaced requests)

if TYPE_CHECKING:
    from sentinel.monitor import Monitor


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
        correlator: PartitionedCorrelator,
        accountant: Accountant,
        sink: Sink,
        chain: FilterChain,
        max_findings: int,
        verdicts: VerdictMode = "all",
        dead_letter_max_bytes: int = DEAD_LETTER_MAX_BYTES,
        review_actions: Collection[str] = ("escalate",),
        topic_decoders: dict[str, RecordDecoder] | None = None,
        observers: Sequence[Observer] = (),
        admission: Admission | None = None,
        monitor: Monitor | None = None,
        shared: SharedState | None = None,
        publish_state: bool = False,
    ) -> None:
        """`monitor` with `shared`: exchanges become cells of their partition's state, and
        the monitor follows the global view (`publish_state`: the changes go to the
        `state` stream, for other replicas)."""
        self.decoder = decoder
        self.dedupe = dedupe
        self.correlator = correlator
        self.accountant = accountant
        self.sink = sink
        self.chain = chain
        self.verdicts = verdicts
        self.review_actions = frozenset(review_actions)
        self.max_findings = max_findings  # per verdict and review record (guardrails rules)
        self.dead_letter_max_bytes = dead_letter_max_bytes  # raw bytes a dead letter carries
        self.topic_decoders = topic_decoders or {}  # topic -> decoder other than v1 JSON
        self.observers = tuple(observers)
        self.admission = admission  # plausibility bounds and skew guard, before joining
        # A shared monitor hears exchanges as cells of the partition state and event time
        # through the global view (`publish`): its exchange and time hooks return at once,
        # so they are left off the per-event path.
        on_path = tuple(o for o in self.observers if not (o is monitor and shared is not None))
        self._on_exchange = hooks(on_path, "exchange")
        self._on_feedback = hooks(self.observers, "feedback")
        self._on_time = hooks(on_path, "time")
        self._on_batch_end = hooks(self.observers, "batch_end")
        self._batch_started_ns = 0  # wall time of the batch's first record (observers)
        self._batch_records = 0
        self.counts = EventCounts()
        self._recent: dict[str, Labels] = {}
        self._recent_order: deque[str] = deque()  # its keys, oldest first (O(1) to drop)
        self._encoder = msgspec.json.Encoder()
        self.monitor = monitor
        self.shared = shared if monitor is not None else None
        if self.shared is not None and monitor is not None:
            monitor.shared = True
        self.publish_state = publish_state
        self._pid: PartitionId | None = None
        self._part = PartitionState(("", 0))
        self._offset = -1
        self._size = 0  # bytes of the event being joined, as it came in (its record's share)
        self._batches = 0
        self._complete_until = float("-inf")  # the global view's, at the last publish
        self._low_watermarks: tuple[tuple[str, int, float], ...] = ()

    def process(self, record: Record) -> None:
        """Handle one raw record completely (its outputs are sent, not yet flushed)."""
        pid = (record.topic, record.partition)
        part = self._part if pid == self._pid else self._select(pid)
        offset = record.offset
        if 0 <= offset < part.covered:  # counted before a restart or a rebalance
            if offset in part.restore:
                self._restore(record, part)
            return
        self._offset = offset
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
            self._size = len(record.value)
            self._admit(record, decoded)
        else:  # a batch format (OTLP): one record, many events, sharing its bytes
            self._size = len(record.value) // max(len(decoded), 1)
            for event in decoded:
                self._admit(record, event)
        part.seen(offset, self.correlator.watermark_of_current())

    def _select(self, pid: PartitionId) -> PartitionState:
        """Make `pid` the partition that records, completions and cells go to."""
        if pid != self._pid:
            self._pid = pid
            if self.shared is not None:
                self._part = self.shared.partition(pid)
            self.correlator.select(pid, self._part.watermark)
        return self._part

    def _restore(self, record: Record, part: PartitionState) -> None:
        """Re-read an event that was waiting in the join when the state was published:
        back into the join, nothing counted or emitted (its exchange is still to come)."""
        decoder = self.topic_decoders.get(record.topic, self.decoder)
        try:
            decoded = decoder.decode(record.value)
        except Exception:  # decoders never raise; it was a dead letter the first time
            return
        if isinstance(decoded, Invalid):
            return
        events = [decoded] if isinstance(decoded, Event) else decoded
        size = len(record.value) // max(len(events), 1)
        for event in events:
            if event.type not in ("request", "response"):
                continue
            self.dedupe.seen(event.event_id)  # remembered, whether or not seen before here
            t = event.event_time
            part.hold(event.event_id, record.offset, t)
            # none expected; never re-emitted
            for exchange in self.correlator.join(event, t, size):
                self._release(exchange)

    def _release(self, exchange: Exchange) -> None:
        part = self._part
        if exchange.request is not None:
            part.release(exchange.request.event_id)
        if exchange.response is not None:
            part.release(exchange.response.event_id)

    def _admit(self, record: Record, event: Event) -> None:
        t = event.event_time  # a datetime conversion: once per event, read by both steps
        screened = None if self.admission is None else self.admission.screen(record, event, t)
        if screened is None:  # admitted as it is, alone (the common case)
            self._event(event, t)
            return
        size = self._size
        for source, admitted in screened:
            if isinstance(admitted, Invalid):
                self._dead_letter(source, admitted)
            else:
                self._offset = source.offset  # a held event is waited for at its own offset
                self._size = len(source.value)  # (a batch's whole record: counted high)
                self._event(admitted)
        self._offset, self._size = record.offset, size

    def _event(self, event: Event, event_time: float | None = None) -> None:
        """One admitted event (`event_time`: its event time, when already converted)."""
        if self.dedupe.seen(event.event_id):
            self.counts.duplicates += 1
            return
        self.counts.valid += 1
        if event.type == "feedback":
            self._feedback(event)
            return
        # Event time moves first (timeouts complete), then observers hear the new time,
        # then the event joins: monitors see exchanges in event-time order, in replay as live.
        t = event.event_time if event_time is None else event_time
        self._advance(t)
        if self._offset >= 0 and event.type != "exchange":
            self._part.hold(event.event_id, self._offset, t)
        for exchange in self.correlator.join(event, t, self._size):
            self._complete(exchange)
        if self.correlator.over_bound:
            self._shed()

    def _shed(self) -> None:
        """More events wait over all partitions than `max_pending`: close the oldest (in
        event time, whichever partition holds it) until within the bound, each in its own
        partition, so its offsets are released and its cells land where they belong."""
        home = self._pid
        while (oldest := self.correlator.shed()) is not None:
            pid, kind = oldest
            self._select(pid)
            self._complete(self.correlator.evict_oldest(kind))
        if home is not None:
            self._select(home)

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

    def idle(self, idle_seconds: float, pids: Collection[PartitionId] | None = None) -> None:
        """No input for `idle_seconds` more (on `pids`, else on every partition): event
        time progresses by as much, so pending requests still time out when traffic stops
        and a quiet partition does not hold back the evaluation of the busy ones."""
        for pid, part in self.correlator.partitions():
            if pids is not None and pid not in pids:
                continue
            watermark = part.watermark
            if watermark == float("-inf"):
                continue
            state = self._select(pid)
            self._advance(watermark + idle_seconds)
            state.advance(part.watermark)

    def drain(self) -> None:
        """End of a finite input: pending requests are timeouts."""
        if self.admission is not None:
            for source, admitted in self.admission.flush():
                if isinstance(admitted, Invalid):
                    self._dead_letter(source, admitted)
                else:
                    self._size = len(source.value)
                    self._event(admitted)
        for pid, _ in self.correlator.partitions():
            self._select(pid)
            for exchange in self.correlator.drain():
                self._complete(exchange)

    def release(self, pids: Collection[PartitionId]) -> None:
        """Partitions revoked: forget their join and state (the new owner restores them)."""
        for pid in pids:
            self.correlator.release(pid)
        if self.shared is not None:
            self.shared.release(pids)
        self._pid = None

    def publish(self) -> None:
        """Publish the batch's state changes, fold them into the global view and have the
        monitor evaluate on it (every tick whose minute is complete in every partition)."""
        shared, monitor = self.shared, self.monitor
        if shared is None or monitor is None:
            return
        self._batches += 1
        retain = self._batches % _RETAIN_EVERY_BATCHES == 0
        owned = set(shared.owned())
        for pid, part in self.correlator.partitions():
            if pid in owned:
                state = shared.partition(pid)
                state.advance(part.watermark)  # events admitted late (drain) moved it too
                if retain:
                    state.retain(part.waiting())
        for key, value in shared.flush():
            if self.publish_state:
                self.sink.send(OutRecord("state", value, key))
        complete_until = shared.view.complete_until()
        if complete_until is not None:
            self._complete_until = complete_until
        self._low_watermarks = tuple(
            (topic, partition, meta.low_watermark)
            for (topic, partition), meta in shared.view.metas()
        )
        try:
            monitor.follow(complete_until)
        except Exception:  # a monitor bug must not stop the stream (nor crash-loop it)
            failed(monitor.follow)

    def end_batch(self) -> None:
        """Publish the partitions' state and evaluate the global view, then tell observers
        the batch is done (they publish what they aggregate per batch)."""
        self.publish()
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
            late=stats.late,
            complete_until=self._complete_until,
            low_watermarks=self._low_watermarks,
        )
        self._batch_records = 0
        for hook in self._on_batch_end:
            try:
                hook(batch)
            except Exception:  # telemetry never takes the consumer down
                failed(hook)

    def _complete(self, exchange: Exchange) -> None:
        self._release(exchange)
        item = self.accountant.account(exchange)  # account
        verdict = self.chain.run(exchange)  # judge
        self._emit(item, verdict)  # emit
        if self.shared is not None and self.monitor is not None:
            self.monitor.cells(item, verdict, self._part.add)  # the partition's share
        recent, request_id = self._recent, exchange.request_id
        if request_id not in recent:
            self._recent_order.append(request_id)
        recent[request_id] = item.labels  # a known id keeps its place, as in a dict
        if len(recent) > _RECENT_LABELS:
            del recent[self._recent_order.popleft()]
        for hook in self._on_exchange:  # observe
            try:
                hook(item, verdict)
            except Exception:  # telemetry never takes the consumer down
                failed(hook)

    def _emit(self, item: Accounted, verdict: Verdict) -> None:
        verdicts = self.verdicts
        if verdicts == "all" or (
            verdicts == "flagged" and (item.outcome != "ok" or verdict.findings)
        ):
            record = self._encoder.encode(verdict_record(item, verdict, self.max_findings))
            self.sink.send(OutRecord("verdicts", record, item.exchange.request_id.encode()))
        if verdict.action in self.review_actions:
            record = self._encoder.encode(review_record(item, verdict, self.max_findings))
            self.sink.send(OutRecord("review", record, item.exchange.request_id.encode()))

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
        if len(value) > self.dead_letter_max_bytes:  # the original stays at sentinel.source
            value = value[: self.dead_letter_max_bytes]
            headers += (("sentinel.truncated", b"true"),)
        self.sink.send(OutRecord("dead_letter", value, record.key, headers))
