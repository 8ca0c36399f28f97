"""The default filter chain next to plain Presidio on the same exchanges, in one run.

Sentinel: the whole pipeline with the shipped rules (decode, correlation, trackers, the
PII, content and hallucination filters, monitors). Presidio: its default pattern
recognizers (offline, blank spaCy tokenizer, threshold 0) over the same texts the PII
filter reads (every message, every retrieved context chunk and the output of each
exchange), nothing else; next to it, Presidio over the messages and outputs only (the
baseline as first measured, which left the context chunks out). CPU time, one process,
median of `--repeats` runs of each (a fresh pipeline each run, so caches start empty). The
warm row is the steady state of a running service: the second half of the exchanges
through a pipeline that has just run the first half, next to Presidio on the same second
half.

Corpora: `synthetic` (~2 KB events of bench/events.py) or `realworld` (bench/realworld.py:
RAG documents, PII sentences, long model answers, code, injections; ../shared/data). On
`realworld` both systems' recall is measured on the gold PII spans of the entities both
look for, in the same run.
Run: `.venv/bin/python -m bench.chain_vs_presidio [--corpus realworld] [--exchanges N]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from bench.eval.pii import presidio_defaults
from bench.events import events
from bench.realworld import SHARED, build
from bench.rulesets import shipped
from sentinel.filters.cache import FieldCache
from sentinel.health import Health
from sentinel.io.memory import MemorySource
from sentinel.io.routing import NullSink
from sentinel.observers import Observer
from sentinel.runner import Runner
from sentinel.values import Accounted, Verdict
from sentinel.wiring import PipelineSettings, build_pipeline

# Entities both systems detect by default (sentinel's rules/pii.yaml ∩ Presidio's patterns).
SHARED_ENTITIES = (
    "CREDIT_CARD",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "IP_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
)
Span = tuple[str, int, int]


def _texts(values: list[bytes], context: bool = True) -> list[tuple[str, str, str]]:
    """(request_id, role key, text) of every message, context chunk (unless `context` is
    false) and output."""
    texts = []
    for value in values:
        event = json.loads(value)
        rid = event["request_id"]
        texts += [(rid, m["role"], m["content"]) for m in event.get("messages", [])]
        if context:
            texts += [(rid, "context", c["text"]) for c in event.get("context") or []]
        if event.get("output"):
            texts.append((rid, "output", event["output"]["content"]))
    return texts


class _Findings(Observer):
    """Observer keeping each exchange's PII spans by field (for recall)."""

    def __init__(self) -> None:
        self.spans: dict[str, list[Span]] = {}

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        rid = item.exchange.request_id
        for f in verdict.findings:
            if f.filter == "pii":
                key = "output" if f.field == "output" else f.field.split("[")[0]
                self.spans.setdefault(f"{rid}:{key}", []).append((f.category, f.start, f.end))

    def batch(self, started_ns: int, records: int) -> None:
        pass


def _recall(gold: dict[str, list[Span]], found: dict[str, list[Span]]) -> tuple[int, int]:
    hit = total = 0
    for key, spans in gold.items():
        predicted = found.get(key, [])
        for entity, start, end in spans:
            if entity not in SHARED_ENTITIES:
                continue
            total += 1
            hit += any(p[0] == entity and p[1] < end and start < p[2] for p in predicted)
    return hit, total


def _halves(values: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The events of the first and the second half of the exchanges (by first appearance
    of their request id), each exchange's events kept together and in order."""
    order: dict[str, int] = {}
    for value in values:
        order.setdefault(json.loads(value)["request_id"], len(order))
    cut = len(order) // 2
    first = [v for v in values if order[json.loads(v)["request_id"]] < cut]
    second = [v for v in values if order[json.loads(v)["request_id"]] >= cut]
    return first, second


def _sentinel_warm(values: list[bytes]) -> float:
    """CPU seconds of the second half of `values` through a pipeline that has just run
    the first half: the steady state of a running service (its RE2 automata have met
    text like this before, its bounded caches hold what recurs), on texts of its own."""
    first, second = _halves(values)
    sink = NullSink()
    pipeline = build_pipeline(
        shipped(), PipelineSettings(verdicts="off"), CollectorRegistry(), sink
    )
    Runner(MemorySource(first, "warm-up"), pipeline, sink, Health()).run(threading.Event())
    start = time.process_time()
    Runner(MemorySource(second, "measured"), pipeline, sink, Health()).run(threading.Event())
    return time.process_time() - start


def _sentinel(values: list[bytes], cache: bool = True) -> tuple[float, dict[str, list[Span]]]:
    sink = NullSink()
    findings = _Findings()
    pipeline = build_pipeline(
        shipped(),
        PipelineSettings(verdicts="off"),
        CollectorRegistry(),
        sink,
        observers=[findings],
    )
    if not cache:
        pipeline.chain.cache = FieldCache(0)
    start = time.process_time()
    Runner(MemorySource(values), pipeline, sink, Health()).run(threading.Event())
    return time.process_time() - start, findings.spans


def _presidio(
    engine: Any, texts: list[tuple[str, str, str]]
) -> tuple[float, dict[str, list[Span]]]:
    found: dict[str, list[Span]] = {}
    start = time.process_time()
    for rid, role, text in texts:
        results = engine.analyze(text=text, language="en")
        found.setdefault(f"{rid}:{role}", []).extend(
            (r.entity_type, r.start, r.end) for r in results
        )
    return time.process_time() - start, found


def run(corpus: str, exchanges: int, repeats: int, shared: Path) -> dict[str, Any]:
    gold: dict[str, list[Span]] = {}
    if corpus == "realworld":
        built = build(shared)
        values, gold = built.values, built.gold
    else:
        values = events(exchanges, seed=7)
    texts = _texts(values)
    without_context = _texts(values, context=False)
    engine = presidio_defaults()
    second_texts = _texts(_halves(values)[1])
    ours, plain, uncached, warm, plain_second, plain_narrow = [], [], [], [], [], []
    for _ in range(repeats):
        seconds, found = _sentinel(values)
        ours.append(seconds)
        uncached.append(_sentinel(values, cache=False)[0])
        seconds, theirs = _presidio(engine, texts)
        plain.append(seconds)
        if len(without_context) < len(texts):
            plain_narrow.append(_presidio(engine, without_context)[0])
        warm.append(_sentinel_warm(values))
        plain_second.append(_presidio(engine, second_texts)[0])
    n_exchanges = len(values) // 2
    result: dict[str, Any] = {
        "corpus": corpus,
        "exchanges": n_exchanges,
        "events": len(values),
        "texts": len(texts),
        "mb": sum(map(len, values)) / 1e6,
        "sentinel_cpu_s": statistics.median(ours),
        "presidio_cpu_s": statistics.median(plain),
        "sentinel_uncached_cpu_s": statistics.median(uncached),
    }
    result["sentinel_exchanges_per_cpu_s"] = n_exchanges / result["sentinel_cpu_s"]
    result["presidio_exchanges_per_cpu_s"] = n_exchanges / result["presidio_cpu_s"]
    result["sentinel_uncached_exchanges_per_cpu_s"] = (
        n_exchanges / result["sentinel_uncached_cpu_s"]
    )
    result["warm_sentinel_cpu_s"] = statistics.median(warm)
    result["warm_presidio_cpu_s"] = statistics.median(plain_second)
    result["warm_ratio"] = result["warm_presidio_cpu_s"] / result["warm_sentinel_cpu_s"]
    result["ratio"] = result["presidio_cpu_s"] / result["sentinel_cpu_s"]
    result["ratio_uncached"] = result["presidio_cpu_s"] / result["sentinel_uncached_cpu_s"]
    if plain_narrow:
        result["texts_without_context"] = len(without_context)
        result["presidio_without_context_cpu_s"] = statistics.median(plain_narrow)
        result["presidio_without_context_exchanges_per_cpu_s"] = (
            n_exchanges / result["presidio_without_context_cpu_s"]
        )
        result["ratio_without_context"] = (
            result["presidio_without_context_cpu_s"] / result["sentinel_cpu_s"]
        )
    if gold:
        result["recall_sentinel"] = _recall(gold, found)
        result["recall_presidio"] = _recall(gold, theirs)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=("synthetic", "realworld"), default="synthetic")
    parser.add_argument("--exchanges", type=int, default=1000, help="synthetic corpus size")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--json", type=Path, help="also write results here")
    args = parser.parse_args()
    r = run(args.corpus, args.exchanges, args.repeats, args.shared)
    print(
        f"{r['corpus']}: {r['exchanges']:,} exchanges ({r['events']:,} events, "
        f"{r['texts']:,} texts, {r['mb']:.1f} MB), median of {args.repeats}"
    )
    print(f"{'system':<48} {'exchanges/CPU-s':>16} {'events/CPU-s':>13}")
    for name, key in (
        ("sentinel, default filter chain (whole pipeline)", "sentinel"),
        ("the same without the chain's text cache", "sentinel_uncached"),
        ("plain Presidio, pattern recognizers only", "presidio"),
        ("  the same on messages and outputs only", "presidio_without_context"),
    ):
        if f"{key}_exchanges_per_cpu_s" in r:
            rate = r[f"{key}_exchanges_per_cpu_s"]
            print(f"{name:<48} {rate:>16,.0f} {2 * rate:>13,.0f}")
    print(f"ratio: {r['ratio']:.1f}x (without the text cache: {r['ratio_uncached']:.1f}x)")
    if "ratio_without_context" in r:
        print(
            f"ratio to Presidio on messages and outputs only ({r['texts_without_context']:,} "
            f"texts, the context chunks left out): {r['ratio_without_context']:.1f}x"
        )
    half = r["exchanges"] - r["exchanges"] // 2
    print(
        f"warm (the second half of the exchanges after the first half, same pipeline): "
        f"sentinel {half / r['warm_sentinel_cpu_s']:,.0f} vs Presidio "
        f"{half / r['warm_presidio_cpu_s']:,.0f} exchanges/CPU-s, ratio {r['warm_ratio']:.1f}x"
    )
    if "recall_sentinel" in r:
        for key in ("sentinel", "presidio"):
            hit, total = r[f"recall_{key}"]
            print(
                f"recall {key} on gold {'/'.join(SHARED_ENTITIES)}: "
                f"{hit}/{total} = {hit / total:.3f}"
            )
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
