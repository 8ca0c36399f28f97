"""The symmetric join: cost per event of `Correlator.offer` on in-order and out-of-order
streams of the same events (timed in one process, medians of interleaved rounds).

    .venv/bin/python -m bench.correlate [--requests N] [--rounds R]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import msgspec

from sentinel.correlate import Correlator
from sentinel.events.model import Event

_BASE = datetime(2026, 11, 2, 9, tzinfo=UTC)
GRACE_SECONDS = 15.0
TTL_SECONDS = 30.0


def _event(type_: str, request_id: str, second: float, n: int) -> Event:
    ts = (_BASE + timedelta(seconds=second)).isoformat().replace("+00:00", "Z")
    document = {
        "schema": "sentinel.llm.v1",
        "event_id": f"e{n}",
        "type": type_,
        "request_id": request_id,
        "timestamp": ts,
    }
    return msgspec.convert(document, Event)


def stream(requests: int, seed: int = 7) -> list[Event]:
    """Completes (75 %), timeouts, late responses and orphans, in event-time order."""
    rng = random.Random(seed)
    events: list[Event] = []
    for i in range(requests):
        start, fate = i * 0.5 + rng.random(), rng.random()
        if fate < 0.92:
            events.append(_event("request", f"r{i}", start, len(events)))
        if fate < 0.75:
            events.append(_event("response", f"r{i}", start + 1 + 20 * rng.random(), len(events)))
        elif 0.85 <= fate < 0.92:
            events.append(_event("response", f"r{i}", start + 40 + 10 * rng.random(), len(events)))
        elif fate >= 0.92:
            events.append(_event("response", f"r{i}", start + 3, len(events)))
    return sorted(events, key=lambda e: e.event_time)


def _run(events: list[Event]) -> tuple[float, Counter[str]]:
    correlator = Correlator(TTL_SECONDS, 100_000, GRACE_SECONDS)
    kinds: Counter[str] = Counter()
    began = time.perf_counter()
    for event in events:
        kinds.update(x.kind for x in correlator.offer(event))
    kinds.update(x.kind for x in correlator.drain())
    return time.perf_counter() - began, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    ordered = stream(args.requests)
    rng = random.Random(1)
    inputs = {
        "in event-time order (baseline)": ordered,
        f"each event up to {GRACE_SECONDS:.0f} s late": sorted(
            ordered, key=lambda e: e.event_time + GRACE_SECONDS * rng.random()
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in inputs}
    counts: dict[str, Counter[str]] = {}
    for _ in range(args.rounds):
        for name, events in inputs.items():
            seconds, counts[name] = _run(events)
            times[name].append(seconds)
    baseline = statistics.median(times["in event-time order (baseline)"])
    for name, events in inputs.items():
        median = statistics.median(times[name])
        print(
            f"{name}: {median / len(events) * 1e6:.2f} us/event, "
            f"ratio {median / baseline:.2f}, exchanges {dict(sorted(counts[name].items()))}"
        )


if __name__ == "__main__":
    main()
