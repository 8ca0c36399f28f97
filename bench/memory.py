"""Peak RSS with 100,000 pending requests, and the time to process one 4 MB event.

Run each in a fresh process: `.venv/bin/python -m bench.memory`.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
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


def _pipeline(rules: RuleSet | None = None, max_pending: int = 100_000):  # type: ignore[no-untyped-def]
    return build_pipeline(
        rules or backbone(),  # pending-request memory is the correlator's; filters load models
        PipelineSettings(max_pending=max_pending, ttl_seconds=TTL_SECONDS),
        CollectorRegistry(),
        NullSink(),
    )


def pending(n: int, chain: bool = False) -> dict[str, float]:
    """Feed n requests (~2.4 KB of JSON each, never answered) and report peak RSS; with
    `chain`, through the default rules (filters loaded) rather than the backbone's."""
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pipeline = _pipeline(shipped() if chain else None, max_pending=n)
    size = 0
    for i, value in enumerate(iter_events(n, kinds=("request",))):
        size += len(value)
        pipeline.process(Record(value, offset=i))
    pipeline.end_batch()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    waiting = pipeline.correlator.stats.pending
    if waiting != n:  # a figure for fewer waiting requests than it says would mislead
        raise SystemExit(f"{waiting} requests waiting, not {n}: the bench measured less")
    return {
        "pending": waiting,
        "event_bytes": size / n,
        "rss_before_mb": base,
        "peak_rss_mb": peak,
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
        print(json.dumps(pending(int(sys.argv[2]), chain="--chain" in sys.argv[3:])))
        return
    for chain in (False, True):
        out = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--pending", "100000"]
            + (["--chain"] if chain else []),
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])  # logs may precede it
        print(
            f"100,000 pending requests ({result['event_bytes']:,.0f} bytes of JSON each), "
            f"{'default filter chain' if chain else 'backbone'}: peak RSS "
            f"{result['peak_rss_mb']:.0f} MB (interpreter + imports before: "
            f"{result['rss_before_mb']:.0f} MB)"
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
