"""Quiet input partitions: detected by wall time and lag, and never holding evaluation back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from sentinel.health import Health
from sentinel.io.memory import MemorySink
from sentinel.io.records import Record
from sentinel.quiet import QuietPartitions
from sentinel.rules.loader import load_rules
from sentinel.runner import Runner
from sentinel.wiring import PipelineSettings, assemble
from tests.unit.conftest import event, raw

RULES = load_rules(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
P0, P1 = ("llm", 0), ("llm", 1)


def test_a_partition_is_quiet_only_after_the_delay_and_with_nothing_left_to_read() -> None:
    """No record for `after_seconds` and lag 0: owed its whole time since the last record."""
    quiet = QuietPartitions(after_seconds=30)
    quiet.received([P0, P1], now=100)
    quiet.lags({P0: 0, P1: 5})
    assert quiet.due(120) == {}  # too soon
    assert quiet.due(140) == {P0: 40}  # P1 still has records to read: only behind
    assert quiet.due(150) == {P0: 10}  # then the time since the last credit
    quiet.lags({P0: 0, P1: 0})
    assert quiet.due(160) == {P0: 10, P1: 60}


def test_a_record_or_a_failed_lag_lookup_ends_quiet() -> None:
    """A partition that delivers again, or lags nobody could read, is not quiet."""
    quiet = QuietPartitions(after_seconds=10)
    quiet.received([P0], now=0)
    quiet.lags({P0: 0})
    assert quiet.due(20) == {P0: 20}
    quiet.received([P0], now=25)
    assert quiet.due(30) == {}
    assert quiet.due(40) == {P0: 15}
    quiet.lags_unknown()
    assert quiet.due(60) == {}


def test_idle_time_credited_to_the_whole_replica_is_not_owed_again() -> None:
    """When every partition was advanced by replica idle time, only the time after counts."""
    quiet = QuietPartitions(after_seconds=10)
    quiet.received([P0], now=0)
    quiet.lags({P0: 0})
    quiet.idle_everywhere(50)
    assert quiet.due(60) == {P0: 10}


def test_revoked_partitions_are_forgotten() -> None:
    """A partition missing from the lag lookup (revoked) is no longer tracked."""
    quiet = QuietPartitions(after_seconds=1)
    quiet.received([P0, P1], now=0)
    quiet.lags({P0: 0})
    assert quiet.due(10) == {P0: 10}


class _TwoPartitions:
    """P0 delivers a request/response pair per poll, one minute of event time apart; P1
    delivers one request at the start, then nothing. Every poll moves the clock a minute."""

    def __init__(self, polls: int) -> None:
        self.clock = 0.0
        start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self._batches: list[list[Record]] = []
        for i in range(polls):
            ts = (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            rid = f"p0-{i}"
            batch = [
                Record(raw(event("request", rid, ts=ts)), None, *P0, 2 * i),
                Record(raw(event("response", rid, ts=ts, latency_ms=100)), None, *P0, 2 * i + 1),
            ]
            if i == 0:
                batch.append(Record(raw(event("request", "p1-0", ts=ts)), None, *P1, 0))
            self._batches.append(batch)

    @property
    def exhausted(self) -> bool:
        return not self._batches

    def poll(self, max_records: int, timeout_seconds: float) -> list[Record]:
        self.clock += 60
        return self._batches.pop(0) if self._batches else []

    def commit(self) -> None:
        pass

    def close(self) -> None:
        pass


def _consume(quiet_after_seconds: float | None) -> tuple[float | None, int]:
    sink = MemorySink()
    registry = CollectorRegistry()
    built = assemble(RULES, PipelineSettings(ttl_seconds=120), registry, sink)
    source = _TwoPartitions(polls=20)
    runner = Runner(
        source,
        built.pipeline,
        sink,
        Health(),
        lag=lambda: {P0: 0, P1: 0},
        clock=lambda: source.clock,
        quiet_after_seconds=quiet_after_seconds,
    )
    stop = threading.Event()
    # Stop before the end of input (whose drain would time everything out anyway).
    original = source.poll

    def poll(max_records: int, timeout_seconds: float) -> list[Record]:
        if len(source._batches) == 1:
            stop.set()
        return original(max_records, timeout_seconds)

    source.poll = poll  # type: ignore[method-assign]
    runner.run(stop)
    assert built.pipeline.shared is not None
    complete_until = built.pipeline.shared.view.complete_until()
    # what the monitors evaluated up to, as /metrics shows it
    assert registry.get_sample_value("sentinel_state_complete_until_seconds") == complete_until
    lows = [
        registry.get_sample_value(
            "sentinel_state_low_watermark_seconds", {"topic": t, "partition": str(p)}
        )
        for t, p in (P0, P1)
    ]
    assert min(v for v in lows if v is not None) == complete_until  # the one holding it back
    return complete_until, built.run.totals.overall.timeouts


def test_a_quiet_partition_does_not_hold_evaluation_back() -> None:
    """One partition stops while the other stays busy: evaluation and timeouts go on."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC).timestamp()
    stuck, stuck_timeouts = _consume(quiet_after_seconds=None)
    moving, timeouts = _consume(quiet_after_seconds=30)
    assert stuck is not None and stuck <= start  # the waiting request pins the view
    assert stuck_timeouts == 0
    assert moving is not None and moving >= start + 15 * 60  # within a couple of minutes
    assert timeouts == 1  # P1's request timed out (TTL 120 s + grace)
