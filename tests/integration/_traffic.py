"""Deterministic synthetic LLM traffic over hours of event time, for end-to-end tests.

Event time drives every monitor (SLO windows, spend guards, canary gates), so the events
carry synthetic timestamps spread over hours while they are produced as fast as Kafka takes
them. Bad events (errors, hallucinated citations) sit at fixed positions in their stream
rather than being drawn at random: every window holds a known bad ratio, and every run
decides the same.

No event falls in the last ten seconds before a multiple of 30 s (the monitors' evaluation
ticks): a live consumer that waits for records lets event time advance with wall time, and
a pause shorter than that cannot make it evaluate a tick before an event preceding it (a
replay of the same events has no pauses).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

BASE_TIME = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
BASE_TS = BASE_TIME.timestamp()
HALF_MINUTE_SPAN_S = 20.0  # events of a half minute sit in its first 20 s

# Retrieved context of every RAG answer: doc-1 .. doc-3. Citing doc-9 is unsupported.
CONTEXT = [
    {"id": "doc-1", "text": "open the account page and choose reset password."},
    {"id": "doc-2", "text": "a reset link is sent to the address on file."},
    {"id": "doc-3", "text": "the link expires after one day."},
]
GROUNDED_ANSWER = "open the account page and choose reset password [doc-1]."
HALLUCINATED_ANSWER = "open the account page and choose reset password [doc-9]."


def minute_offsets(per_minute: int, phase: float) -> list[float]:
    """`per_minute` offsets (seconds into a minute), half in each half minute, none in the
    ten seconds before a tick (:20-:30, :50-:60); `phase` in [0, 1) keeps streams apart."""
    assert 0 <= phase < 1
    first = (per_minute + 1) // 2
    offsets: list[float] = []
    for start, count in ((0.0, first), (30.0, per_minute - first)):
        step = HALF_MINUTE_SPAN_S / max(count, 1)
        offsets.extend(start + i * step + phase for i in range(count))
    return offsets


def stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass(frozen=True)
class Timed:
    ts: float
    event: dict[str, Any]


def _exchange(
    request_id: str,
    ts: float,
    service: str,
    model: str,
    *,
    usage: tuple[int, int] = (120, 40),
    latency_ms: float = 850.0,
    variant: str | None = None,
    output: str | None = "your order ships within a few days.",
    context: list[dict[str, str]] | None = None,
    error: str | None = None,
) -> Timed:
    event: dict[str, Any] = {
        "schema": "sentinel.llm.v1",
        "event_id": f"{request_id}-x",
        "type": "exchange",
        "request_id": request_id,
        "timestamp": stamp(ts),
        "service": service,
        "model": model,
        "messages": [{"role": "user", "content": "how do i reset my password?"}],
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
        "latency_ms": latency_ms,
    }
    if variant is not None:
        event["variant"] = variant
    if context is not None:
        event["context"] = context
    if error is not None:
        event["status"] = "error"
        event["error"] = {"type": error}
    elif output is not None:
        event["output"] = {"content": output, "finish_reason": "stop"}
    return Timed(ts, event)


@dataclass
class Stream:
    """Exchanges of one service, `per_minute` each minute of `minutes`; `make(request_id,
    ts, index, slot)` builds the stream's `index`-th one, in `slot` of its minute."""

    name: str
    per_minute: int
    phase: float
    make: Callable[[str, float, int, int], Timed]
    minutes: range

    def events(self) -> Iterator[Timed]:
        offsets = minute_offsets(self.per_minute, self.phase)
        n = 0
        for minute in self.minutes:
            for slot, offset in enumerate(offsets):
                ts = BASE_TS + minute * 60 + offset
                yield self.make(f"{self.name}-{n:06d}", ts, n, slot)
                n += 1


def canary_rollout(
    minutes: range, degraded: bool, per_variant_per_minute: int = 6, phase: float = 0.1
) -> list[Stream]:
    """Baseline and canary of `support-bot` at the same volume. The baseline cites an
    unsupported source in 1 answer of 50; a degraded canary in 1 of 5 (else like the
    baseline)."""

    def variant_make(variant: str, every: int) -> Callable[[str, float, int, int], Timed]:
        def make(request_id: str, ts: float, index: int, slot: int) -> Timed:
            answer = HALLUCINATED_ANSWER if index % every == every - 1 else GROUNDED_ANSWER
            return _exchange(
                request_id,
                ts,
                "support-bot",
                "gpt-4.1-mini",
                variant=variant,
                output=answer,
                context=CONTEXT,
            )

        return make

    return [
        Stream("sb-base", per_variant_per_minute, phase, variant_make("baseline", 50), minutes),
        Stream(
            "sb-canary",
            per_variant_per_minute,
            phase + 0.05,
            variant_make("canary", 5 if degraded else 50),
            minutes,
        ),
    ]


def error_stream(
    name: str, service: str, minutes: range, per_minute: int, bad_slots: Iterable[int], phase: float
) -> Stream:
    """`service` fails (status error) at `bad_slots` of every minute: a fixed bad ratio."""
    bad = frozenset(bad_slots)

    def make(request_id: str, ts: float, index: int, slot: int) -> Timed:
        return _exchange(
            request_id,
            ts,
            service,
            "gpt-4.1-mini",
            error="rate_limit" if slot in bad else None,
        )

    return Stream(name, per_minute, phase, make, minutes)


def spend_stream(
    service: str,
    minutes: range,
    spike: range,
    per_minute: int = 4,
    spike_per_minute: int = 6,
    phase: float = 0.7,
) -> list[Stream]:
    """Cheap gpt-4.1-mini traffic all along; during `spike`, long claude-sonnet-4-5
    exchanges too (40k input + 4k output tokens: $0.18 each, ~$65/h at 6 a minute)."""

    def cheap(request_id: str, ts: float, index: int, slot: int) -> Timed:
        return _exchange(request_id, ts, service, "gpt-4.1-mini", usage=(200, 100))

    def expensive(request_id: str, ts: float, index: int, slot: int) -> Timed:
        return _exchange(
            request_id, ts, service, "claude-sonnet-4-5", usage=(40_000, 4_000), latency_ms=6500.0
        )

    return [
        Stream(f"{service}-cheap", per_minute, phase, cheap, minutes),
        Stream(f"{service}-spike", spike_per_minute, phase + 0.1, expensive, spike),
    ]


@dataclass
class Traffic:
    """Events of several streams, merged in event-time order."""

    timed: list[Timed]

    @classmethod
    def merge(cls, streams: Iterable[Stream]) -> Traffic:
        timed = [t for s in streams for t in s.events()]
        timed.sort(key=lambda t: t.ts)  # stable: equal stamps keep stream order
        return cls(timed)

    @property
    def last_ts(self) -> float:
        return self.timed[-1].ts

    def first_ts(self, variant: str) -> float:
        return next(t.ts for t in self.timed if t.event.get("variant") == variant)

    def records(self) -> list[tuple[bytes, bytes]]:
        """(key, value) Kafka records: key = request_id, value = the event's JSON."""
        return [
            (t.event["request_id"].encode(), json.dumps(t.event, separators=(",", ":")).encode())
            for t in self.timed
        ]

    def write_jsonl(self, path: Path) -> Path:
        """The same bytes as `records()`, one event a line, in the same order."""
        path.write_bytes(b"".join(value + b"\n" for _, value in self.records()))
        return path


def at(minute: float) -> float:
    """POSIX seconds of `minute` minutes after BASE_TIME."""
    return (BASE_TIME + timedelta(minutes=minute)).timestamp()


def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    """Send (key, value) records with kafka-python, in order, and wait until all are acked."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        batch_size=256 * 1024,
        max_in_flight_requests_per_connection=1,  # a retried batch cannot overtake another
    )
    try:
        futures = [producer.send(topic, value=value, key=key) for key, value in records]
        producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()
