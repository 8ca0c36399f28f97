"""Peak RSS with 100,000 pending requests, and the time to process one 4 MB event.

Run each in a fresh process: `.venv/bin/python -m bench.memory`.
"""

from __future__ import annotations

import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry

from bench.events import iter_events
from bench.rulesets import backbone, shipped
from sentinel.io.records import Record
from sentinel.io.routing import NullSink
from sentinel.rules.loader import RuleSet
from sentinel.wiring import PipelineSettings, build_pipeline

ROOT = Path(__file__).parents[1]


# The generated requests are 0.01 s of event time apart: 100,000 of them span 1,000 s, past
# the default TTL (300 s + 30 s of grace), which would time most of them out on the way and
# leave a third waiting. A day's TTL keeps every one of them waiting.
TTL_SECONDS = 86_400.0


def _pipeline(  # type: ignore[no-untyped-def]
    rules: RuleSet | None = None, max_pending: int = 100_000, compress: bool = True
):
    defaults = PipelineSettings()
    return build_pipeline(
        rules or backbone(),  # pending-request memory is the correlator's; filters load models
        PipelineSettings(
            max_pending=max_pending,
            ttl_seconds=TTL_SECONDS,
            compress_pending_after=defaults.compress_pending_after if compress else max_pending,
        ),
        CollectorRegistry(),
        NullSink(),
    )


def _feed(pipeline, values: Iterator[bytes], first_offset: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Process `values` a thousand at a time (generated outside the timed part, and never
    all held at once); return their bytes and the CPU seconds of processing them."""
    size, cpu, offset = 0, 0.0, first_offset
    while batch := list(itertools.islice(values, 1000)):
        size += sum(len(value) for value in batch)
        start = time.process_time()
        for value in batch:
            pipeline.process(Record(value, offset=offset))
            offset += 1
        pipeline.end_batch()
        cpu += time.process_time() - start
    return size, cpu


def pending(n: int, chain: bool = False, compress: bool = True) -> dict[str, float]:
    """Feed n requests (~2.4 KB of JSON each, never answered), then answer them all, and
    report peak RSS and CPU per event on the way in and out; with `chain`, through the
    default rules (filters loaded) rather than the backbone's; without `compress`, no
    waiting request is held compressed."""
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pipeline = _pipeline(shipped() if chain else None, max_pending=n, compress=compress)
    size, cpu_in = _feed(pipeline, iter_events(n, kinds=("request",)), 0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    waiting = pipeline.correlator.stats.pending
    if waiting != n:  # a figure for fewer waiting requests than it says would mislead
        raise SystemExit(f"{waiting} requests waiting, not {n}: the bench measured less")
    _, cpu_out = _feed(pipeline, iter_events(n, kinds=("response",)), n)
    if pipeline.correlator.stats.pending:
        raise SystemExit("requests still waiting after their responses")
    return {
        "pending": waiting,
        "event_bytes": size / n,
        "rss_before_mb": base,
        "peak_rss_mb": peak,
        "request_us": cpu_in / n * 1e6,
        "response_us": cpu_out / n * 1e6,
    }


def big_event(
    megabytes: float = 4.0, repeats: int = 5, rules: RuleSet | None = None
) -> dict[str, float]:
    """An exchange whose context is `megabytes` of distinct chunks, processed end to end
    (a fresh pipeline each time, so no chunk cache helps)."""
    chunk = (
        "The quarterly report lists revenue by region and the notes explain each "
        "adjustment in detail. "
    ) * 50
    chunks, size, i = [], 0, 0
    while size < megabytes * 1024 * 1024:
        chunks.append({"id": f"doc-{i}", "source": "kb", "text": f"{chunk} (section {i})"})
        size += len(chunk) + 40
        i += 1
    times = []
    for r in range(repeats):
        value = json.dumps(
            {
                "schema": "sentinel.llm.v1",
                "event_id": f"big-{r}",
                "type": "exchange",
                "request_id": f"big-{r}",
                "timestamp": "2026-11-02T09:00:00Z",
                "model": "gpt-4.1",
                "context": chunks,
                "messages": [{"role": "user", "content": "Summarise the report."}],
                "output": {"content": "Revenue grew."},
                "latency_ms": 30000,
                "usage": {"input_tokens": 1_000_000, "output_tokens": 500},
            }
        ).encode()
        pipeline = _pipeline(rules)
        start = time.perf_counter()
        pipeline.process(Record(value))
        times.append(time.perf_counter() - start)
    return {"bytes": len(value), "median_ms": statistics.median(times) * 1000}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--pending":
        flags = sys.argv[3:]
        result = pending(int(sys.argv[2]), "--chain" in flags, "--no-compress" not in flags)
        print(json.dumps(result))
        return
    runs: tuple[tuple[str, list[str]], ...] = (
        ("backbone", []),
        ("backbone, none held compressed", ["--no-compress"]),
        ("default filter chain", ["--chain"]),
        ("default filter chain, none held compressed", ["--chain", "--no-compress"]),
    )
    for name, flags in runs:
        out = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--pending", "100000", *flags],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])  # logs may precede it
        print(
            f"100,000 pending requests ({result['event_bytes']:,.0f} bytes of JSON each), "
            f"{name}: peak RSS {result['peak_rss_mb']:.0f} MB (interpreter + imports "
            f"before: {result['rss_before_mb']:.0f} MB); CPU {result['request_us']:.1f} µs "
            f"per request in, {result['response_us']:.1f} µs per response"
        )
    big = big_event()
    median = big["median_ms"]
    print(f"one {big['bytes'] / 1e6:.1f} MB event, backbone: {median:.1f} ms (median of 5)")
    full = big_event(repeats=3, rules=shipped())
    print(
        f"one {full['bytes'] / 1e6:.1f} MB event, with the default filter chain: "
        f"{full['median_ms']:.0f} ms (median of 3)"
    )


if __name__ == "__main__":
    main()
