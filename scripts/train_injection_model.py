"""Train the injection classifier shipped in the package, deterministically, from public data.

    .venv/bin/python scripts/train_injection_model.py [--shared ../shared/data] [--out PATH]

Reads the development side of the frozen split (`bench/eval/heldout.yaml`) of the corpora
in `bench/eval/corpora.py`, fetched from pinned packages; never a held-out family, never
easyjailbreak (GPL-3.0: evaluation only) or the LLM frameworks' prompt templates (kept as a
check on text no model saw: `NOT_TRAINED`). Trains a logistic model on hashed byte n-grams
(`sentinel.filters.content.classifier`) with AdaGrad, fixed seed and order, and writes
`sentinel/data/content/injection_model_v2.npz`. Then, out of fold (five folds by template
family: a source's family label, and attacks sharing their wording kept together; benign
requests and look-alikes by their family; each fold scored by a model trained on the
others), it prints the benign false-positive rates and recalls of the combined score
(structure and model) at candidate thresholds, per channel: the defaults in the content
rules were chosen from that table. The model card is docs/model-card-injection.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.eval.corpora import Sample  # noqa: E402
from bench.eval.injection import INJECTION, LONG_CHARS, samples  # noqa: E402
from bench.eval.split import assign  # noqa: E402
from bench.eval.training import (  # noqa: E402
    BITS,
    EPOCHS,
    HARD_NEGATIVE_SOURCES,
    LEARNING_RATE,
    NOT_TRAINED,
    REQUEST_SOURCES,
    SEED,
    VERSION,
    WINDOW_BYTES,
    fold_models,
    train,
    training_texts,
)
from sentinel.filters.content import ContentFilter  # noqa: E402
from sentinel.filters.content.classifier import HASHING, MODEL_FILE  # noqa: E402
from sentinel.filters.content.config import ContentRules, InjectionScoring  # noqa: E402
from sentinel.filters.content.injection import InjectionScorer  # noqa: E402
from sentinel.filters.content.normalize import TextViews  # noqa: E402
from sentinel.filters.content.structure import DISCUSSION  # noqa: E402


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
    fold_of, models = fold_models(dev, rows)
    phrases = _phrase_rules()
    user = settings.channels["user"]  # type: ignore[index]
    channels = {
        "context": settings.channels["context"],  # type: ignore[index]
        "user": user,
        "user_every_message": user.model_copy(update={"model_prescreen": False}),
    }
    plain: list[bool] = []  # per scored user message, in order
    table: dict[str, object] = {}
    for name, channel in channels.items():
        kind = name.split("_")[0]
        scored = []
        for s in dev:
            if s.channel != kind or s.source in NOT_TRAINED:
                continue
            scorer.model = models[fold_of(s.key, s.text, s.label)]
            views = TextViews(s.text)
            score = scorer.score(views, channel)[0]
            if name == "user":
                acts = [
                    e
                    for e in scorer.structure.evidence(views)
                    if e.kind != DISCUSSION and e.kind in (channel.signals or [e.kind])
                ]
                plain.append(all(e.signal in channel.plain_signals for e in acts))
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
        if name == "user":
            table["user_plain_threshold"] = _two_tier(scored, plain, channel.threshold)
    return table


def _two_tier(
    scored: list[tuple[bool, float, str, bool, int]], plain: list[bool], threshold: float
) -> list[dict[str, float]]:
    """The user channel at its threshold, with a stricter one for messages whose only
    signals are plain (`plain_signals`: a role switch every role prompt has) or none: the
    phrase rules on top; hard benign messages are every benign one but the fortunes."""
    rows = []
    for plain_threshold in (threshold, 0.9, 0.95, 0.97, 0.98, 0.99):
        hits = [
            x[3] or x[1] >= (plain_threshold if is_plain else threshold)
            for x, is_plain in zip(scored, plain, strict=True)
        ]
        attacks = [h for h, x in zip(hits, scored, strict=True) if x[0]]
        benign = [(h, x) for h, x in zip(hits, scored, strict=True) if not x[0]]
        hard = [h for h, x in benign if x[2] != "fortunes"]
        rows.append(
            {
                "threshold": threshold,
                "plain_threshold": plain_threshold,
                "with_phrase_rules_recall": sum(attacks) / max(len(attacks), 1),
                "with_phrase_rules_fp_rate": sum(h for h, _ in benign) / max(len(benign), 1),
                "with_phrase_rules_hard_benign_fp_rate": sum(hard) / max(len(hard), 1),
                "hard_benign": len(hard),
            }
        )
    return rows


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
