"""The injection classifier's training, shared by the training script and the evaluation.

`training_texts(dev)` builds the training rows from the development side of the frozen split
(`bench/eval/heldout.yaml`), `train(rows)` fits the hashed n-gram logistic model
deterministically (AdaGrad, fixed seed and order), `Folds` assigns texts to the five
out-of-fold folds by template family, and `fold_models` trains one model per fold (each on
the other four). `scripts/train_injection_model.py` writes the packaged model from these;
`bench.eval.injection --side development --out-of-fold` scores development texts with the
model of their fold, so a development figure of the classifier is not an in-sample one.
"""

from __future__ import annotations

import zlib

import numpy as np

from bench.eval import agentdojo
from bench.eval.corpora import Sample
from bench.eval.split import template_groups
from sentinel.filters.content.classifier import HashedModel, ngram_hashes
from sentinel.filters.content.normalize import TextViews

VERSION = "injection-hashed-v2.5"
BITS = 18  # 262,144 buckets: 512 KB of float16 weights
WINDOW_BYTES = 1024
EPOCHS = 6
# 0.1 since the ninth round (0.3 before): out of fold with folds that keep whole benign
# families out, the model at 0.3 gave role prompts of families it never saw 0.97-0.99;
# at 0.1 it is less sure of what it has not seen (docs/model-card-injection.md). 0.05
# since the eleventh round: out of fold, more development jailbreaks found (0.777 ->
# 0.790) and fewer benign requests and never-trained framework templates reported.
LEARNING_RATE = 0.05
SEED = 13
# Evaluation only: easyjailbreak's GPL-3.0 templates, and the LLM frameworks' prompt
# templates (`agent-prompts`, added after `injection-hashed-v2.4` was trained: its figure is
# a check on text no model saw, and out of fold it stays one).
NOT_TRAINED = ("easyjailbreak", "agent-prompts")
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


def model(weights: np.ndarray, bias: float, meta: dict[str, object]) -> HashedModel:
    return HashedModel(weights.astype(np.float32), bias, BITS, WINDOW_BYTES, VERSION, meta)


FOLDS = 5
TEMPLATE_JACCARD = 0.2  # attacks this alike (word 5-grams) are one template family
# Benign sources whose families the frozen split holds out as wholes (or which are few and
# written in families): out of fold, each such family is scored by a model that never saw it.
BENIGN_FAMILY_FOLDS = (
    *REQUEST_SOURCES, "airoboros", "bastioncorpus", "dev-benign", "package-docs",
)  # fmt: skip


class Folds:
    """Out-of-fold assignment: an attack goes with its template family (its source's family
    label, joined with every attack whose wording it shares: `template_groups`), so a fold
    is scored by a model that never saw a variant of its templates. A benign text of a
    source with families (role prompts by initial, IFBench constraint groups, LongBench
    writing types, MMLU subjects, ...) goes with its family, as the frozen split holds such
    families out, so a fold is scored by a model that never saw a text of the family;
    other benign texts (fortunes, passages, AgentDojo's tasks) go by row."""

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
        if label:
            group = self._group.get(text, key)
        else:
            group = key if key.split(":")[0] in BENIGN_FAMILY_FOLDS else text
        return zlib.crc32(group.encode()) % FOLDS


def fold_models(
    dev: list[Sample], rows: list[tuple[str, bool, str]]
) -> tuple[Folds, list[HashedModel]]:
    """The fold assignment and one model per fold, trained on the rows of the other folds."""
    fold_of = Folds(dev)
    models = []
    for fold in range(FOLDS):
        w, b = train([r for r in rows if fold_of(r[2], r[0], r[1]) != fold])
        models.append(model(w, b, {"fold": fold}))
    return fold_of, models
