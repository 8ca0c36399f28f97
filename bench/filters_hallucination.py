"""Throughput of the hallucination filter, in one process (one core), no Kafka.

    .venv/bin/python -m bench.filters_hallucination [--exchanges N]

- ~2 KB RAG exchanges (three ~500-character chunks, a question, a ~350-character answer
  with numbers, a date, a name, a citation and a URL; every fourth one also makes a tool
  call checked against its JSON Schema). Chunks are drawn from a pool of 300, as retrieval
  repeats documents; a second run makes every chunk unique (no cache reuse).
- One exchange with a 4 MB context (one 1M-token window) as 4 KB chunks and as one chunk,
  cold (a fresh filter, nothing cached) and warm (the same context again), with an output
  that needs every kind of fact; prose and number-dense text. Medians of 3.

Timed through `FilterChain.run`, so field extraction is included, in CPU time of this
process (`time.process_time`): per-core figures that other load on the machine does not
inflate. Deterministic inputs.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sentinel.events.exchange import Exchange
from sentinel.events.model import ContextChunk, Event, Message, Output, ToolCall, ToolSpec
from sentinel.filters.chain import ChainSettings, FilterChain
from sentinel.filters.hallucination import HallucinationFilter, HallucinationRules

FIRST = ["Ada", "Grace", "Alan", "Maria", "Kofi", "Mei", "Ravi", "Lena", "Omar", "Sofia"]
LAST = ["Lovelace", "Hopper", "Turing", "Curie", "Annan", "Chen", "Shankar", "Berg", "Haddad"]
ORGS = ["Acme Corp", "Globex", "Initech", "Umbrella Group", "Stark Industries", "Wayne Enterprises"]
MONTHS = ["January", "March", "May", "July", "September", "November"]
FILLER = [
    "the",
    "report",
    "notes",
    "that",
    "the",
    "team",
    "reviewed",
    "the",
    "policy",
    "and",
    "the",
    "customer",
    "feedback",
    "before",
    "the",
    "quarterly",
    "planning",
    "meeting",
    "while",
    "shipping",
    "times",
    "improved",
    "for",
    "most",
    "regions",
]
SCHEMA = {
    "type": "object",
    "properties": {"order_id": {"type": "string"}, "amount": {"type": "number", "minimum": 0}},
    "required": ["order_id"],
    "additionalProperties": False,
}
_T0 = datetime(2026, 11, 2, tzinfo=UTC)


def sentence(rng: random.Random, filler: tuple[int, int] = (6, 14)) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    parts = [
        f"{name} of {rng.choice(ORGS)} said revenue reached {rng.randint(1, 999):,},"
        f"{rng.randint(100, 999)} dollars on {rng.randint(1, 28)} {rng.choice(MONTHS)} "
        f"{rng.randint(1990, 2026)}",
        " ".join(rng.choice(FILLER) for _ in range(rng.randint(*filler))),
        f"growth was {rng.randint(1, 60)}.{rng.randint(0, 9)}% "
        f"(see https://docs.example.com/r/{rng.randint(1, 99999)})",
    ]
    return ", ".join(parts) + ". "


def text(rng: random.Random, chars: int, filler: tuple[int, int] = (6, 14)) -> str:
    """Sentences with a name, an organisation, a number, a date, a percentage and a URL,
    padded with `filler` words: (6, 14) gives a number every ~40 characters (dense tables
    and reports), (40, 80) one every ~110 (prose, like encyclopedia text)."""
    out: list[str] = []
    size = 0
    while size < chars:
        s = sentence(rng, filler)
        out.append(s)
        size += len(s)
    return "".join(out)[:chars]


def rag_exchange(rng: random.Random, pool: Sequence[str], n: int) -> Exchange:
    chunks = [ContextChunk(f"doc-{i}", rng.choice(pool), None) for i in range(1, 4)]
    fact = chunks[0].text.split(". ")[0]  # a supported sentence, then an unsupported tail
    answer = (
        f"{fact} [doc-1]. It also grew {rng.randint(1, 99)}% by "
        f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, 2025 according to Jane Doe "
        f"(https://docs.example.com/r/{rng.randint(1, 99999)}) [doc-{rng.randint(1, 5)}]."
    )
    tools, calls = [], []
    if n % 4 == 0:
        tools = [ToolSpec("refund", SCHEMA)]
        calls = [ToolCall("refund", f'{{"order_id": "A{n}", "amount": {rng.randint(-5, 50)}}}')]
    event = Event(
        schema_="sentinel.llm.v1",
        event_id=f"e-{n}",
        type="exchange",
        request_id=f"r-{n}",
        timestamp=_T0,
        messages=[
            Message("system", "You answer from the documents and cite them as [doc-N]."),
            Message("user", f"What did the report say about revenue in order {n}?"),
        ],
        context=chunks,
        tools=tools,
        output=Output(content=answer, tool_calls=calls),
    )
    return Exchange("complete", event, event)


def chain(rules: HallucinationRules) -> FilterChain:
    # No time budget here: the point is to measure the whole work.
    return FilterChain([HallucinationFilter.from_rules(rules)], ChainSettings(max_scan_seconds=60))


def run_rag(n: int, pool_size: int | None, rules: HallucinationRules) -> dict[str, float]:
    rng = random.Random(11)
    pool = [text(rng, 500) for _ in range(pool_size or 3 * n)]
    exchanges = [rag_exchange(rng, pool, i) for i in range(n)]
    sizes = [
        sum(len(c.text) for c in x.primary.context)
        + sum(len(m.content or "") for m in x.primary.messages)
        + len(x.primary.output.content or "" if x.primary.output else "")
        for x in exchanges
    ]
    c = chain(rules)
    findings = 0
    began = time.process_time()
    for x in exchanges:
        findings += len(c.run(x).findings)
    seconds = time.process_time() - began
    return {
        "exchanges_per_second": n / seconds,
        "us_per_exchange": seconds / n * 1e6,
        "mean_chars": statistics.mean(sizes),
        "findings_per_exchange": findings / n,
    }


def _big_exchange(context: str, chunk_chars: int | None) -> Exchange:
    size = chunk_chars or len(context)
    chunks = [
        ContextChunk(f"doc-{i // size + 1}", context[i : i + size])
        for i in range(0, len(context), size)
    ]
    # Needs every facet: numbers, a date, a name, a URL citation and a URL claim.
    answer = (
        f"{context[:200].split('. ')[0]} [doc-1]. Revenue hit 123,456,789 dollars on "
        "March 3, 2031, said Quentin Blake of Hooli [doc-9999] "
        "(https://docs.example.com/nowhere)."
    )
    event = Event(
        schema_="sentinel.llm.v1",
        event_id="big",
        type="exchange",
        request_id="big",
        timestamp=_T0,
        messages=[Message("user", "Summarise the revenue figures.")],
        context=chunks,
        output=Output(content=answer),
    )
    return Exchange("complete", event, event)


def run_big(
    rules: HallucinationRules, filler: tuple[int, int], chars: int = 4 * 1024 * 1024, runs: int = 3
) -> dict[str, float]:
    """Median cold time (fresh filter) and warm time, for 4 KB chunks and one 4 MB chunk."""
    context = text(random.Random(5), chars, filler)
    digit_runs = sum(1 for _ in re.finditer(r"\d+", context))
    out: dict[str, float] = {"chars_per_number": len(context) / max(1, digit_runs)}
    for label, chunk_chars in (("4kb", 4096), ("one", None)):
        x = _big_exchange(context, chunk_chars)
        cold, warm = [], []
        for _ in range(runs):
            c = chain(rules)
            began = time.process_time()
            verdict = c.run(x)
            cold.append(time.process_time() - began)
            began = time.process_time()
            c.run(x)
            warm.append(time.process_time() - began)
        out[f"{label}_cold_ms"] = statistics.median(cold) * 1000
        out[f"{label}_warm_ms"] = statistics.median(warm) * 1000
        out["findings"] = float(len(verdict.findings))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=5000)
    args = parser.parse_args(argv)
    rules = HallucinationRules.model_validate({"version": "sentinel/v1", "kind": "hallucination"})
    rows = {
        "~2 KB RAG, chunks from a pool of 300": run_rag(args.exchanges, 300, rules),
        "~2 KB RAG, every chunk unique (no cache hits)": run_rag(args.exchanges, None, rules),
    }
    print("| workload | exchanges/s (1 core) | µs/exchange | mean chars | findings/exchange |")
    print("|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['exchanges_per_second']:,.0f} | {r['us_per_exchange']:,.0f} "
            f"| {r['mean_chars']:,.0f} | {r['findings_per_exchange']:.2f} |"
        )
    print()
    print("| 4 MB context | chars per number | cold, 4 KB chunks | warm | cold, one chunk | warm |")
    print("|---|---|---|---|---|---|")
    for name, filler in (("prose", (40, 80)), ("dense (reports, tables)", (6, 14))):
        b = run_big(rules, filler)
        print(
            f"| {name} | {b['chars_per_number']:.0f} | {b['4kb_cold_ms']:,.0f} ms "
            f"| {b['4kb_warm_ms']:,.0f} ms | {b['one_cold_ms']:,.0f} ms "
            f"| {b['one_warm_ms']:,.0f} ms |"
        )


if __name__ == "__main__":
    main()
