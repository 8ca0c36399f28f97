"""The default filter chain next to plain Presidio on the same ~2 KB events, in one run.

Sentinel: the whole pipeline with the shipped rules (decode, correlation, trackers, the
PII, content and hallucination filters, monitors). Presidio: its default pattern
recognizers (offline, blank spaCy tokenizer, threshold 0) over the same texts (every
message and the output of each exchange), nothing else. CPU time, one process.
Run: `.venv/bin/python -m bench.chain_vs_presidio [--exchanges N]`.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from prometheus_client import CollectorRegistry

from bench.eval.pii import presidio_defaults
from bench.events import events
from bench.rulesets import shipped
from sentinel.health import Health
from sentinel.io.memory import MemorySource
from sentinel.io.routing import NullSink
from sentinel.runner import Runner
from sentinel.wiring import PipelineSettings, build_pipeline


def _texts(values: list[bytes]) -> list[str]:
    texts = []
    for value in values:
        event = json.loads(value)
        texts += [m["content"] for m in event.get("messages", [])]
        if event.get("output"):
            texts.append(event["output"]["content"])
    return texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exchanges", type=int, default=1000)
    args = parser.parse_args()
    values = events(args.exchanges, seed=7)
    texts = _texts(values)

    sink = NullSink()
    pipeline = build_pipeline(
        shipped(), PipelineSettings(verdicts="off"), CollectorRegistry(), sink
    )
    start = time.process_time()
    Runner(MemorySource(values), pipeline, sink, Health()).run(threading.Event())
    ours = time.process_time() - start

    engine = presidio_defaults()
    start = time.process_time()
    for text in texts:
        engine.analyze(text=text, language="en")
    plain = time.process_time() - start

    n = len(values)
    print(
        f"{n:,} events ({args.exchanges:,} exchanges, {len(texts):,} texts, "
        f"mean {sum(map(len, values)) / n:,.0f} bytes)"
    )
    print(f"{'system':<44} {'events/CPU-s':>13}")
    print(f"{'sentinel, default filter chain (whole pipeline)':<44} {n / ours:>13,.0f}")
    print(f"{'plain Presidio, pattern recognizers only':<44} {n / plain:>13,.0f}")
    print(f"ratio: {plain / ours:.1f}x")


if __name__ == "__main__":
    main()
