"""A longer fuzz run than the suite's property tests: random bytes, random JSON and
mutated valid events (bundled sample traffic) through the v1 decoder, the OTLP decoder
and the whole pipeline. Fails (exit 1) on any exception or when the counts do not add up
(read = valid + invalid + duplicates; every invalid record a dead letter).

Run: `.venv/bin/python -m bench.fuzz [--records N] [--seed S]`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter
from importlib import resources
from typing import Any

from prometheus_client import CollectorRegistry

from sentinel.events.decode import REASONS, EventDecoder, Invalid
from sentinel.io.memory import MemorySink
from sentinel.io.records import Record
from sentinel.otel.config import Ingest
from sentinel.otel.decode import OtlpDecoder
from sentinel.rules.loader import load_rules
from sentinel.wiring import PipelineSettings, build_pipeline

_JUNK: list[Any] = [None, True, -1, 0, 2**64, 10**30, 1e308, -1e-308, "", "x" * 300, [], {}]


def _sample_events() -> list[dict[str, Any]]:
    path = resources.files("sentinel") / "data" / "sample-traffic.jsonl.gz"
    with gzip.open(str(path), "rt", encoding="utf-8") as lines:
        out = []
        for line in lines:
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                out.append(value)
        return out


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 6 else 5)
    if kind < 5:
        return (
            rng.choice(_JUNK)
            if kind < 4
            else "".join(chr(rng.randrange(32, 0x2FF)) for _ in range(rng.randrange(12)))
        )
    if kind == 5:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(rng.randrange(100)): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def _mutate(rng: random.Random, event: dict[str, Any]) -> bytes:
    document = json.loads(json.dumps(event))
    for _ in range(rng.randrange(1, 4)):
        keys = list(document)
        choice = rng.randrange(5)
        if choice == 0 and keys:
            del document[rng.choice(keys)]
        elif choice == 1 and keys:
            document[rng.choice(keys)] = _random_json(rng)
        elif choice == 2:
            depth = rng.choice([10, 63, 65, 200, 1500])
            document["metadata"] = {"x": "NEST"}
            raw = json.dumps(document).encode()
            return raw.replace(b'"NEST"', b"[" * depth + b"]" * depth)
        elif choice == 3:
            document["timestamp"] = rng.choice(
                ["9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2026-13-01T00:00:00Z", 5]
            )
        else:
            document["usage"] = {"input_tokens": rng.choice([10**30, -1, 2**63, 1.5])}
    data = json.dumps(document).encode()
    if rng.random() < 0.2 and data:
        at = rng.randrange(len(data))
        data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
    return data


def _record(rng: random.Random, samples: list[dict[str, Any]]) -> bytes:
    kind = rng.randrange(10)
    if kind == 0:
        return rng.randbytes(rng.randrange(300))
    if kind == 1:
        return json.dumps(_random_json(rng)).encode()
    if kind < 4:
        return json.dumps(rng.choice(samples)).encode()
    return _mutate(rng, rng.choice(samples))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    samples = _sample_events()
    rules = load_rules()
    sink = MemorySink()
    pipeline = build_pipeline(rules, PipelineSettings(), CollectorRegistry(), sink)
    decoder = EventDecoder(1 << 24)
    otlp = [OtlpDecoder(e, Ingest(), 1 << 24) for e in ("otlp_proto", "otlp_json")]
    reasons: Counter[str] = Counter()
    started = time.perf_counter()
    for i in range(args.records):
        value = _record(rng, samples)
        result = decoder.decode(value)
        if isinstance(result, Invalid):
            assert result.reason in REASONS, result
            reasons[result.reason] += 1
        for d in otlp:
            d.decode(value)
        pipeline.process(Record(value, None, "llm-events", 0, i))
        if i % 1000 == 999:
            pipeline.end_batch()
            sink.flush()
            sink.records.clear()
    pipeline.drain()
    pipeline.end_batch()
    sink.flush()
    elapsed = time.perf_counter() - started
    counts = pipeline.counts
    invalid = sum(counts.invalid.values())
    ok = counts.read == args.records == counts.valid + invalid + counts.duplicates
    print(
        f"{args.records} records in {elapsed:.1f} s ({args.records / elapsed:,.0f}/s), "
        f"seed {args.seed}: valid {counts.valid}, invalid {invalid}, duplicates "
        f"{counts.duplicates}; decoder reasons {dict(sorted(reasons.items()))}; "
        f"pipeline dead letters {dict(sorted(counts.invalid.items()))}"
    )
    print("counts add up" if ok else "COUNTS DO NOT ADD UP")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
