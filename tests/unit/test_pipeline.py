"""The pipeline and the runner's at-least-once ordering, with the shipped in-memory fakes."""

from __future__ import annotations

import gzip
import itertools
import json
import threading
from importlib import resources
from pathlib import Path
from typing import Any, cast

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from sentinel.correlate import Packed
from sentinel.errors import SinkError
from sentinel.health import Health
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.io.records import Record
from sentinel.observers import hooks
from sentinel.pipeline import Pipeline
from sentinel.rules.loader import load_rules
from sentinel.runner import Runner
from sentinel.wiring import Assembly, PipelineSettings, assemble
from tests.unit.conftest import event, raw

RULES = load_rules(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")


def make(sink: MemorySink, **settings: object) -> tuple[Assembly, CollectorRegistry]:
    registry = CollectorRegistry()
    return assemble(RULES, PipelineSettings(**settings), registry, sink), registry  # type: ignore[arg-type]


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def run(values: list[bytes], sink: MemorySink | None = None, **settings: object):  # type: ignore[no-untyped-def]
    sink = sink or MemorySink()
    built, registry = make(sink, **settings)
    source = MemorySource(values)
    Runner(source, built.pipeline, sink, Health(), built.metrics, max_records=3).run(
        threading.Event()
    )
    return built, registry, sink, source


def test_every_input_is_accounted_for() -> None:
    """read = exchanges' events + duplicates + invalid + feedback; nothing vanishes."""
    req = event("request", "r1", model="gpt-4.1-mini", service="bot")
    values = [
        raw(req),
        raw(
            event(
                "response",
                "r1",
                ts="2026-11-02T09:00:02Z",
                model="gpt-4.1-mini",
                service="bot",
                latency_ms=2000,
                usage={"input_tokens": 100, "output_tokens": 10},
            )
        ),
        raw(req),  # redelivered: same event_id
        b"{broken",
        raw(event("request", "r2")),  # never answered
        raw(event("feedback", "r1", feedback={"rating": 4, "escalated": True})),
    ]
    built, registry, sink, source = run(values)
    pipeline = built.pipeline
    assert pipeline.counts.read == 6
    assert pipeline.counts.duplicates == 1
    assert dict(pipeline.counts.invalid) == {"bad_json": 1}
    assert pipeline.counts.feedback == 1
    assert built.run.totals.overall.exchanges == 1
    assert built.run.totals.overall.timeouts == 1
    assert source.committed == 6
    assert [r.headers[0] for r in sink.stream("dead_letter")] == [("sentinel.reason", b"bad_json")]
    assert sink.stream("dead_letter")[0].value == b"{broken"
    verdicts = [json.loads(r.value) for r in sink.stream("verdicts")]
    assert sorted(v["status"] for v in verdicts) == ["ok", "timeout"]
    labels = {
        "service": "bot",
        "endpoint": "unknown",
        "feature": "unknown",
        "model": "gpt-4.1-mini",
        "variant": "unknown",
    }
    assert sample(registry, "sentinel_exchanges_total", **labels, outcome="ok") == 1
    assert sample(registry, "sentinel_tokens_total", **labels, kind="input") == 100
    assert sample(registry, "sentinel_exchange_latency_seconds_sum", **labels) == 2.0
    assert (
        sample(
            registry,
            "sentinel_feedback_total",
            service="bot",
            model="gpt-4.1-mini",
            variant="unknown",
            kind="escalation",
        )
        == 1
    )
    assert sample(registry, "sentinel_events_invalid_total", reason="bad_json") == 1


def test_a_failed_flush_aborts_the_commit() -> None:
    """Outputs not accepted → offsets not committed, and the error reaches the caller."""
    sink = MemorySink()
    sink.fail_next_flush = True
    built, registry = make(sink)
    source = MemorySource([raw(event()) for _ in range(5)])
    health = Health()
    with pytest.raises(SinkError):
        Runner(source, built.pipeline, sink, health, built.metrics, max_records=2).run(
            threading.Event()
        )
    assert source.committed == 0
    assert health.ready()[1]["sink"] == {
        "ok": False,
        "detail": "flush failed; offsets not committed",
    }
    assert sample(registry, "sentinel_sink_errors_total", sink=sink.name) == 1
    assert sample(registry, "sentinel_commits_total") == 0


def test_commits_follow_each_flushed_batch() -> None:
    """Each batch's offsets are committed only after its outputs were flushed."""
    order: list[str] = []

    class RecordingSink(MemorySink):
        def flush(self) -> None:
            super().flush()
            order.append(f"flush:{len(self.records)}")

    class RecordingSource(MemorySource):
        def commit(self) -> None:
            super().commit()
            order.append(f"commit:{self.committed}")

    sink = RecordingSink()
    built, _ = make(sink)
    source = RecordingSource([raw(event()) for _ in range(4)])
    Runner(source, built.pipeline, sink, Health(), max_records=2).run(threading.Event())
    assert order[:4] == ["flush:2", "commit:2", "flush:4", "commit:4"]


def test_a_set_stop_event_ends_the_loop_before_the_next_poll() -> None:
    """SIGTERM sets the stop event: nothing more is polled, the source is closed."""
    stop = threading.Event()
    stop.set()
    sink = MemorySink()
    built, _ = make(sink)
    source = MemorySource([raw(event())])
    Runner(source, built.pipeline, sink, Health()).run(stop)
    assert built.pipeline.counts.read == 0 and source.committed == 0


def test_label_values_are_bounded_against_cardinality_attacks() -> None:
    """Hundreds of distinct model names collapse into the bound plus `other` (here the
    series budget, 40 combinations by default, binds before the 50 values per label)."""
    values = [raw(event(model=f"m-{i}", endpoint=f"/e/{i}")) for i in range(500)]
    _, registry, _, _ = run(values)
    models = {
        s.labels["model"]
        for metric in registry.collect()
        if metric.name == "sentinel_exchanges"
        for s in metric.samples
    }
    assert len(models) == 41 and "other" in models  # 40 combinations admitted + other


def test_feedback_is_attributed_to_its_exchange_labels() -> None:
    """A feedback event without labels is counted under its exchange's model."""
    values = [
        raw(event("exchange", "r9", model="gpt-4.1", service="s")),
        raw(event("feedback", "r9", feedback={"complaint": True})),
    ]
    _, registry, _, _ = run(values)
    assert (
        sample(
            registry,
            "sentinel_feedback_total",
            service="s",
            model="gpt-4.1",
            variant="unknown",
            kind="complaint",
        )
        == 1
    )


def test_idle_time_lets_pending_requests_time_out() -> None:
    """With no input, event time advances by idle time so requests still time out (TTL + grace)."""
    sink = MemorySink()
    built, _ = make(sink, ttl_seconds=10, grace_seconds=2)
    pipeline, totals = built.pipeline, built.run.totals
    pipeline.process(MemorySource([raw(event("request", "r1"))]).poll(1, 0)[0])
    pipeline.idle(5)
    assert totals.overall.timeouts == 0
    pipeline.idle(11)
    assert totals.overall.timeouts == 1


class _StopAfterThree:
    """`pipeline` as the runner sees it, setting `stop` while it processes its third record."""

    def __init__(self, pipeline: Pipeline, stop: threading.Event) -> None:
        self.pipeline, self.stop, self.seen = pipeline, stop, 0

    def process(self, record: Record) -> None:
        self.seen += 1
        if self.seen == 3:
            self.stop.set()
        self.pipeline.process(record)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pipeline, name)


def test_a_stop_mid_batch_ends_the_loop_without_committing_the_batch() -> None:
    """SIGTERM while a large batch is processed: the loop stops between records and the
    interrupted batch is not committed (it is redelivered)."""
    sink = MemorySink()
    built, _ = make(sink)
    stop = threading.Event()
    watched = _StopAfterThree(built.pipeline, stop)
    source = MemorySource([raw(event()) for _ in range(10)])
    Runner(source, cast(Pipeline, watched), sink, Health(), built.metrics, max_records=10).run(stop)
    assert watched.seen == 3 and source.committed == 0


def test_a_stop_mid_batch_commits_what_was_processed_when_the_source_can() -> None:
    """With a source that commits processed positions (Kafka with shared state), a batch cut
    short by SIGTERM is finished as far as it went: outputs flushed, then committed."""
    sink = MemorySink()
    built, _ = make(sink)
    pipeline = built.pipeline
    stop = threading.Event()
    watched = _StopAfterThree(pipeline, stop)
    commits: list[int] = []

    class ProcessedSource(MemorySource):
        def commit(self) -> None:  # what a positions-based commit covers
            commits.append(pipeline.counts.read)

    source = ProcessedSource([raw(event()) for _ in range(10)])
    runner = Runner(
        source,
        cast(Pipeline, watched),
        sink,
        Health(),
        built.metrics,
        max_records=10,
        commits_processed=True,
    )
    runner.run(stop)
    assert watched.seen == 3 and commits and set(commits) == {3}  # never past what was processed
    assert len(sink.records) >= 3  # the three exchanges' verdicts were flushed first


def test_a_response_after_its_request_timed_out_is_counted_as_late() -> None:
    """sentinel_late_events_total counts a response that came after its request's timeout,
    as the report's late_events does; it makes no second exchange."""
    values = [
        raw(event("request", "slow", ts="2026-11-02T09:00:00Z")),
        raw(event("request", "next", ts="2026-11-02T09:00:25Z")),  # passes slow's TTL
        raw(event("response", "slow", ts="2026-11-02T09:00:26Z")),
        raw(event("response", "next", ts="2026-11-02T09:00:27Z")),
    ]
    built, registry, _, _ = run(values, ttl_seconds=20.0, grace_seconds=0.0)
    assert built.pipeline.correlator.stats.late == 1
    assert sample(registry, "sentinel_late_events_total") == 1.0
    assert built.run.totals.overall.timeouts == 1 and built.run.totals.overall.exchanges == 1


def _sample_lines(count: int) -> list[bytes]:
    """The first `count` non-empty lines of the bundled sample traffic."""
    path = resources.files("sentinel") / "data" / "sample-traffic.jsonl.gz"
    with gzip.open(str(path)) as f:
        return [line for line in itertools.islice(f, count) if line.strip()]


def _timeless_exposition(registry: CollectorRegistry) -> list[str]:
    """The registry's exposition without creation times and durations (wall clock)."""
    return [
        line
        for line in generate_latest(registry).decode().splitlines()
        if "_created" not in line and "duration" not in line
    ]


def test_a_shared_monitor_is_off_the_per_event_path_and_nothing_changes() -> None:
    """With shared state the monitor's exchange and time hooks are not called per event;
    calling them anyway (the former path) changes no output, total, alert or metric."""
    lines = _sample_lines(1500)

    def replay(with_monitor_hooks: bool) -> tuple[object, ...]:
        sink, registry = MemorySink(), CollectorRegistry()
        built = assemble(load_rules(), PipelineSettings(scan_time_budget=False), registry, sink)
        pipeline = built.pipeline
        assert built.monitor.exchange not in pipeline._on_exchange
        assert built.monitor.time not in pipeline._on_time
        if with_monitor_hooks:
            pipeline._on_exchange = hooks(pipeline.observers, "exchange")
            pipeline._on_time = hooks(pipeline.observers, "time")
            assert built.monitor.exchange in pipeline._on_exchange
        Runner(MemorySource(lines), pipeline, sink, Health(), max_records=101).run(
            threading.Event()
        )
        return (
            [(r.stream, r.key, r.value) for r in sink.records],
            built.run.totals.overall.report(),
            built.run.alerts(),
            _timeless_exposition(registry),
        )

    assert replay(with_monitor_hooks=False) == replay(with_monitor_hooks=True)


def test_a_live_assembly_without_the_run_record_changes_no_output_or_metric() -> None:
    """`sentinel run` assembles without the replay report's totals and timeline: the same
    verdicts, state records, alerts and metrics as with them, and no sketch is kept for
    a report nobody reads."""
    lines = _sample_lines(3000)

    def live(record_run: bool) -> tuple[object, ...]:
        sink, registry = MemorySink(), CollectorRegistry()
        settings = PipelineSettings(scan_time_budget=False, verdicts="all")
        built = assemble(
            load_rules(), settings, registry, sink, publish_state=True, record_run=record_run
        )
        assert (built.run is None) == (not record_run)
        assert bool(built.monitor.followers) == record_run
        Runner(MemorySource(lines), built.pipeline, sink, Health(), max_records=97).run(
            threading.Event()
        )
        return (
            [(r.stream, r.key, r.value) for r in sink.records],
            built.monitor.book.report(),
            _timeless_exposition(registry),
        )

    recorded, unrecorded = live(record_run=True), live(record_run=False)
    assert any(stream == "state" for stream, _, _ in recorded[0])  # type: ignore[attr-defined]
    assert recorded[1]  # alerts fired, and fired alike
    assert unrecorded == recorded


def test_max_pending_bounds_the_waiting_requests_of_all_partitions_together() -> None:
    """`--max-pending` bounds the process, not each partition: requests waiting in two
    partitions count together; beyond the bound the oldest in event time, whichever
    partition holds it, becomes a timeout verdict, and its offset no longer holds back that
    partition's commit."""
    sink = MemorySink()
    built, registry = make(sink, max_pending=3, ttl_seconds=3600.0)
    pipeline = built.pipeline
    order = [(0, "a0"), (1, "b1"), (1, "b2"), (1, "b3"), (0, "a4")]  # (partition, request id)
    offsets = {0: 0, 1: 0}
    for second, (partition, request_id) in enumerate(order):
        value = raw(event("request", request_id, ts=f"2026-11-02T09:00:0{second}Z"))
        pipeline.process(Record(value, None, "llm-events", partition, offsets[partition]))
        offsets[partition] += 1
    pipeline.end_batch()
    sink.flush()
    verdicts = [json.loads(r.value) for r in sink.stream("verdicts")]
    assert [(v["request_id"], v["kind"]) for v in verdicts] == [
        ("a0", "timeout"),
        ("b1", "timeout"),
    ]
    stats = pipeline.correlator.stats
    assert (stats.pending, stats.evicted) == (3, 2)
    assert sample(registry, "sentinel_correlation_evictions_total") == 2
    assert pipeline.shared is not None
    # a0 (offset 0) is gone, a4 (offset 1) waits; b1 (offset 0) is gone, b2 (offset 1) waits
    assert pipeline.shared.partition(("llm-events", 0)).commit_offset() == 1
    assert pipeline.shared.partition(("llm-events", 1)).commit_offset() == 1


def test_waiting_events_held_compressed_change_no_verdict() -> None:
    """The bundled sample (requests and responses apart, out of order within the grace)
    with every waiting event held compressed gives the same verdict records, byte for
    byte, and the same counts as with none compressed."""
    with gzip.open(resources.files("sentinel") / "data" / "sample-traffic.jsonl.gz") as f:
        values = [line for line in itertools.islice(f, 2500) if line.strip()]

    def replay(compress_pending_after: int) -> tuple[list[bytes], Any, int]:
        sink = MemorySink()
        built, _ = make(sink, compress_pending_after=compress_pending_after)
        pipeline = built.pipeline
        for offset, value in enumerate(values):
            pipeline.process(Record(value, None, "llm-events", offset % 3, offset))
            if offset % 100 == 99:
                pipeline.end_batch()
        packed = sum(  # waiting events held compressed when the input ended
            isinstance(entry[2], Packed)
            for _, part in pipeline.correlator.partitions()
            for entry in part._requests.by_id.values()
        )
        pipeline.drain()
        pipeline.end_batch()
        sink.flush()
        stats = pipeline.correlator.stats
        counts = (stats.expired, stats.orphans, stats.late, stats.evicted, pipeline.counts.valid)
        return [r.value for r in sink.stream("verdicts")], counts, packed

    plain, plain_counts, none_packed = replay(compress_pending_after=10**9)
    packed, packed_counts, some_packed = replay(compress_pending_after=0)
    assert none_packed == 0 and some_packed > 0
    assert len(plain) > 1000 and packed == plain
    assert packed_counts == plain_counts


def test_max_pending_bytes_bounds_the_waiting_events_by_their_size() -> None:
    """Large waiting requests reach `--max-pending-bytes` long before `--max-pending`: past
    it the oldest becomes a timeout verdict, and what the bound counts is each record's
    bytes as it came in."""
    values = [
        raw(event("request", f"r{i}", ts=f"2026-11-02T09:00:0{i}Z", metadata={"pad": "x" * 900}))
        for i in range(4)
    ]
    sink = MemorySink()
    last_three = sum(len(value) for value in values[1:])  # the four together are more
    built, registry = make(sink, max_pending_bytes=last_three, ttl_seconds=3600.0)
    pipeline = built.pipeline
    for offset, value in enumerate(values):
        pipeline.process(Record(value, None, "llm-events", 0, offset))
    pipeline.end_batch()
    sink.flush()
    verdicts = [json.loads(r.value) for r in sink.stream("verdicts")]
    assert [(v["request_id"], v["kind"]) for v in verdicts] == [("r0", "timeout")]
    assert pipeline.correlator.stats.pending == 3
    assert sample(registry, "sentinel_correlation_evictions_total") == 1
