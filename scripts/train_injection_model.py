"""Train the injection classifier shipped in the package, deterministically, from public data.

    .venv/bin/python scripts/train_injection_model.py [--shared ../shared/data] [--out PATH]

Reads the development side of the frozen split (`bench/eval/heldout.yaml`) of the corpora
in `bench/eval/corpora.py`, fetched from pinned packages; never a held-out family, never
easyjailbreak (GPL-3.0: evaluation only). Trains a logistic model on hashed byte n-grams
(`sentinel.filters.content.classifier`) with AdaGrad, fixed seed and order, and writes
`sentinel/data/content/injection_model_v2.npz`. Then, out of fold (five folds by template
family: a source's family label, and attacks sharing their wording kept together; each
fold scored by a model trained on the others), it prints the benign false-positive
rates and recalls of the combined score (structure and model) at candidate thresholds, per
channel: the defaults in the content rules were chosen from that table. The model card is
docs/model-card-injection.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.eval import agentdojo  # noqa: E402
from bench.eval.corpora import Sample  # noqa: E402
from bench.eval.injection import INJECTION, LONG_CHARS, samples  # noqa: E402
from bench.eval.split import assign, template_groups  # noqa: E402
from sentinel.filters.content import ContentFilter  # noqa: E402
from sentinel.filters.content.classifier import (  # noqa: E402
    HASHING,
    MODEL_FILE,
    HashedModel,
    ngram_hashes,
)
from sentinel.filters.content.config import ContentRules, InjectionScoring  # noqa: E402
from sentinel.filters.content.injection import InjectionScorer  # noqa: E402
from sentinel.filters.content.normalize import TextViews  # noqa: E402

VERSION = "injection-hashed-v2.1"
BITS = 18  # 262,144 buckets: 512 KB of float16 weights
WINDOW_BYTES = 1024
EPOCHS = 6
LEARNING_RATE = 0.3
SEED = 13
NOT_TRAINED = ("easyjailbreak",)  # GPL-3.0 templates: evaluation only
HARD_NEGATIVE_SOURCES = (
    "dev-benign", "airoboros", "bastioncorpus", "package-docs", "agentdojo/banking",
    "agentdojo/slack", "agentdojo/travel",
)  # fmt: skip
HARD_NEGATIVE_COPIES = 5
# Real user requests of length (`bench.eval.requests`): briefs, constrained requests, role
# prompts, exam prompts. Their false-positive rate is its own column of the tables.
REQUEST_SOURCES = ("ifbench", "longbench-write", "role-prompts", "mmlu-cot")
# Benign role prompts ("act as a chef...") read like persona jailbreaks to the model: they are
# trained as hard negatives too, but kept out of the tables' hard-negative column (which
# stays the set it was), in the requests column instead.
HARD_NEGATIVE_TRAINING = (*HARD_NEGATIVE_SOURCES, "role-prompts")
SPLICES_PER_ATTACK = 3  # dev attacks also spliced into this many benign passages each

Window = tuple[np.ndarray, np.ndarray, float]  # bucket ids, feature values, label


def _windows(text: str, label: bool) -> list[Window]:
    data = TextViews(text).folded_bytes
    out = []
    for start in range(0, max(len(data), 1), WINDOW_BYTES):
        chunk = data[start : start + WINDOW_BYTES]
        ids = np.concatenate(ngram_hashes(chunk, BITS)) if chunk else np.zeros(0, np.uint64)
        if ids.size == 0:
            continue
        unique, counts = np.unique(ids, return_counts=True)
        out.append((unique, (counts / np.sqrt(ids.size)).astype(np.float32), float(label)))
    return out


def _spliced(attacks: list[str], passages: list[str], rng: np.random.Generator) -> list[str]:
    """Each attack text put inside benign passages (at a sentence boundary), trimmed so the
    attack sits inside one window: an injection is a part of a document, not all of it."""
    out = []
    for attack in attacks:
        for _ in range(SPLICES_PER_ATTACK):
            passage = passages[int(rng.integers(len(passages)))]
            cuts = [i + 1 for i, c in enumerate(passage) if c == "."] or [len(passage)]
            cut = cuts[int(rng.integers(len(cuts)))]
            room = max(0, (WINDOW_BYTES - len(attack)) // 2)
            out.append(f"{passage[max(0, cut - room) : cut]} {attack} {passage[cut : cut + room]}")
    return out


def training_texts(dev: list[Sample]) -> list[tuple[str, bool, str]]:
    """(text, label, group) for training; the group keeps a family on one fold."""
    rng = np.random.default_rng(SEED)
    usable = [s for s in dev if s.source not in NOT_TRAINED]
    # AgentDojo's injected documents share their carriers with the clean twins: trained
    # whole, the model would learn the carriers. Their attack texts are spliced instead.
    rows = [
        (s.text, s.label, s.key)
        for s in usable
        if not (s.label and s.source.startswith("agentdojo/"))
    ]
    passages = [s.text for s in usable if s.source == "wikipedia" and s.family == "passage"]
    dev_families = {s.family for s in usable if s.source.startswith("agentdojo/") and s.label}
    dev_suites = sorted(
        {s.source.split("/")[1] for s in usable if s.source.startswith("agentdojo/")}
    )
    templates = agentdojo.attack_templates()
    for family in sorted(dev_families):
        attacks = [
            templates[family].format(goal=goal, user=agentdojo.USER_NAME, model=model)
            for suite in dev_suites
            for goal in agentdojo.goals(suite)
            for model in agentdojo.MODEL_NAMES[:1]
        ]
        rows += [(t, True, f"splice:{family}") for t in _spliced(attacks, passages, rng)]
    # Hard negatives (texts about AI, prompts and security that attack nothing) are few and
    # matter most: each is seen HARD_NEGATIVE_COPIES times.
    hard = [s for s in usable if not s.label and s.source in HARD_NEGATIVE_TRAINING]
    rows += [(s.text, False, s.key) for s in hard for _ in range(HARD_NEGATIVE_COPIES - 1)]
    context_attacks = [s.text for s in usable if s.label and s.source == "bastioncorpus"]
    rows += [(t, True, "splice:bastioncorpus") for t in _spliced(context_attacks, passages, rng)]
    return rows


def train(rows: list[tuple[str, bool, str]]) -> tuple[np.ndarray, float]:
    windows = [w for text, label, _ in rows for w in _windows(text, label)]
    positives = sum(1 for w in windows if w[2])
    pos_weight = (len(windows) - positives) / max(positives, 1)
    weights = np.zeros(1 << BITS, dtype=np.float64)
    squares = np.full(1 << BITS, 1e-8, dtype=np.float64)
    bias, bias_square = 0.0, 1e-8
    rng = np.random.default_rng(SEED)
    for _ in range(EPOCHS):
        for index in rng.permutation(len(windows)):
            ids, values, label = windows[index]
            z = bias + float(weights[ids] @ values)
            p = 1.0 / (1.0 + np.exp(-max(min(z, 30.0), -30.0)))
            g = (p - label) * (pos_weight if label else 1.0)
            grad = g * values
            squares[ids] += grad * grad
            weights[ids] -= LEARNING_RATE * grad / np.sqrt(squares[ids])
            bias_square += g * g
            bias -= LEARNING_RATE * g / np.sqrt(bias_square)
    return weights, bias


def _model(weights: np.ndarray, bias: float, meta: dict[str, object]) -> HashedModel:
    return HashedModel(weights.astype(np.float32), bias, BITS, WINDOW_BYTES, VERSION, meta)


FOLDS = 5
TEMPLATE_JACCARD = 0.2  # attacks this alike (word 5-grams) are one template family


class Folds:
    """Out-of-fold assignment: an attack goes with its template family (its source's family
    label, joined with every attack whose wording it shares: `template_groups`), so a fold
    is scored by a model that never saw a variant of its templates; benign texts by row."""

    def __init__(self, dev: list[Sample]) -> None:
        attacks = [s for s in dev if s.label]
        roots = template_groups([s.text for s in attacks], TEMPLATE_JACCARD)
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.get(x, x) != x:
                x = parent[x]
            return x

        def join(a: str, b: str) -> None:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

        labelled = {s.key for s in attacks if s.family != s.source}  # one family per source
        for s, root in zip(attacks, roots, strict=True):
            if s.key in labelled:
                join(f"t{root:05d}", f"k:{s.key}")
        self._group = {s.text: find(f"t{root:05d}") for s, root in zip(attacks, roots, strict=True)}

    def __call__(self, key: str, text: str, label: bool) -> int:
        group = self._group.get(text, key) if label else text
        return zlib.crc32(group.encode()) % FOLDS


def _phrase_rules() -> ContentFilter:
    """The shipped content rules with the injection score off: the phrase rules alone."""
    rules = ContentRules.model_validate({"version": "sentinel/v1", "kind": "content"})
    off = rules.injection.model_copy(update={"enabled": False})
    return ContentFilter(rules.model_copy(update={"injection": off}))


def _rates(scored: list[tuple[bool, float, str, bool, int]], threshold: float) -> dict[str, float]:
    benign = [x for x in scored if not x[0]]
    attacks = [x for x in scored if x[0]]
    hard = [x for x in benign if x[2] in HARD_NEGATIVE_SOURCES]
    # The hand-written development sets, nearest in kind to the held-out hand-written ones.
    look_alikes = [x for x in benign if x[2] == "dev-benign"]
    written = [x for x in attacks if x[2] == "dev-injection"]
    requests = [x for x in benign if x[2] in REQUEST_SOURCES]

    def share(xs: list[tuple[bool, float, str, bool, int]], phrases: bool = False) -> float:
        return sum(x[1] >= threshold or (phrases and x[3]) for x in xs) / max(len(xs), 1)

    out = {
        "threshold": threshold,
        "fp_rate": share(benign),
        "hard_negative_fp_rate": share(hard),
        "recall": share(attacks),
        "hand_written_look_alike_fp_rate": share(look_alikes),
        "hand_written_recall": share(written),
        "requests_fp_rate": share(requests),
        "long_fp_rate": share([x for x in benign if x[4] >= LONG_CHARS]),
    }
    if any(x[3] for x in scored):  # user channel: with the phrase rules on top
        long = [x for x in benign if x[4] >= LONG_CHARS]
        out |= {
            "with_phrase_rules_recall": share(attacks, True),
            "with_phrase_rules_fp_rate": share(benign, True),
            "with_phrase_rules_hard_negative_fp_rate": share(hard, True),
            "with_phrase_rules_long_fp_rate": share(long, True),
            "with_phrase_rules_requests_fp_rate": share(requests, True),
        }
    return out


def calibration(dev: list[Sample], rows: list[tuple[str, bool, str]]) -> dict[str, object]:
    """Out-of-fold scores of the dev texts as the filter computes them (structure, model,
    gate, pooling, per-channel signals of the default rules), and the benign false-positive
    rate and recall at candidate thresholds, per channel; on the user channel also with the
    phrase rules on top, and without the structural prescreen (the classifier on every
    message) for comparison."""
    settings = InjectionScoring()
    scorer = InjectionScorer(settings)
    fold_of = Folds(dev)
    models = {}
    for fold in range(FOLDS):
        w, b = train([r for r in rows if fold_of(r[2], r[0], r[1]) != fold])
        models[fold] = _model(w, b, {})
    phrases = _phrase_rules()
    user = settings.channels["user"]  # type: ignore[index]
    channels = {
        "context": settings.channels["context"],  # type: ignore[index]
        "user": user,
        "user_every_message": user.model_copy(update={"model_prescreen": False}),
    }
    table: dict[str, object] = {}
    for name, channel in channels.items():
        kind = name.split("_")[0]
        scored = []
        for s in dev:
            if s.channel != kind or s.source in NOT_TRAINED:
                continue
            scorer.model = models[fold_of(s.key, s.text, s.label)]
            score = scorer.score(TextViews(s.text), channel)[0]
            found = {c for c, *_ in phrases.scan_text(s.text, kind)} if kind == "user" else set()
            flagged = bool(found & INJECTION) if s.label else bool(found)
            scored.append((s.label, score, s.source, flagged, len(s.text)))
        table[name] = {
            "benign": sum(not x[0] for x in scored),
            "hard_negatives": sum(not x[0] and x[2] in HARD_NEGATIVE_SOURCES for x in scored),
            "attacks": sum(x[0] for x in scored),
            "hand_written_look_alikes": sum(not x[0] and x[2] == "dev-benign" for x in scored),
            "hand_written_attacks": sum(x[0] and x[2] == "dev-injection" for x in scored),
            "requests": sum(not x[0] and x[2] in REQUEST_SOURCES for x in scored),
            "long_benign": sum(not x[0] and x[4] >= LONG_CHARS for x in scored),
            "rows": [_rates(scored, t) for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97)],
        }
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--out", type=Path, default=REPO / "sentinel" / "data" / "content" / MODEL_FILE
    )
    parser.add_argument("--no-calibration", action="store_true")
    args = parser.parse_args(argv)
    dev = assign(samples(args.shared)[0]).dev
    rows = training_texts(dev)
    weights, bias = train(rows)
    digest = hashlib.sha256(
        "\n".join(f"{int(lab)}\t{t}" for t, lab, _ in rows).encode()
    ).hexdigest()
    groups: dict[str, int] = {}
    for _, _, group in rows:
        source = group.split(":")[0]
        groups[source] = groups.get(source, 0) + 1
    meta = {
        "version": VERSION,
        "bits": BITS,
        "window_bytes": WINDOW_BYTES,
        "ngrams": [3, 4, 5],
        "hashing": HASHING,
        "epochs": EPOCHS,
        "learning_rate": LEARNING_RATE,
        "seed": SEED,
        "texts": len(rows),
        "positives": sum(1 for _, lab, _ in rows if lab),
        "texts_per_source": dict(sorted(groups.items())),
        "training_data_sha256": digest,
        "split": "bench/eval/heldout.yaml (development side only)",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        weights=weights.astype(np.float16),
        bias=np.float64(bias),
        meta=np.array(json.dumps(meta, sort_keys=True)),
    )
    print(json.dumps(meta, indent=2, sort_keys=True))
    if not args.no_calibration:
        print(json.dumps(calibration(dev, rows), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
