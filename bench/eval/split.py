"""The frozen development / held-out split (`heldout.yaml`), and near-copy removal.

`assign(samples)` gives each sample its side. Held-out attacks that are near copies of a
development attack of another source (word 5-gram Jaccard at or above the manifest's
threshold) are removed from the held-out side: a template seen in development must not count
as unseen. Inside one source the families are distinct by construction (AgentDojo's carriers
are shared between attack families, so their texts overlap there by design).
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.eval.corpora import Sample

MANIFEST = Path(__file__).resolve().parent / "heldout.yaml"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Split:
    dev: list[Sample]
    held_out: list[Sample]
    near_copies: list[Sample]  # held-out attacks dropped as near copies of development ones


def patterns(path: Path = MANIFEST) -> tuple[list[str], float]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["held_out"]), float(data["near_duplicate_jaccard"])


def is_held_out(sample: Sample, globs: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(sample.key, g) for g in globs)


def shingles(text: str, n: int = 5) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def _near_copies(dev: list[Sample], held: list[Sample], threshold: float) -> set[int]:
    """Indexes of held-out attacks whose shingles overlap some development attack's."""
    index: dict[str, list[int]] = defaultdict(list)
    attacks = [s for s in dev if s.label]
    dev_sets = [shingles(s.text) for s in attacks]
    for i, grams in enumerate(dev_sets):
        for gram in grams:
            index[gram].append(i)
    out = set()
    for j, sample in enumerate(held):
        if not sample.label:
            continue
        grams = shingles(sample.text)
        shared: dict[int, int] = defaultdict(int)
        for gram in grams:
            for i in index.get(gram, ()):
                shared[i] += 1
        for i, common in shared.items():
            if attacks[i].source.split("/")[0] == sample.source.split("/")[0]:
                continue  # inside a source the families are distinct by construction
            if common / (len(grams) + len(dev_sets[i]) - common) >= threshold:
                out.add(j)
                break
    return out


def assign(samples: Sequence[Sample], path: Path = MANIFEST) -> Split:
    globs, threshold = patterns(path)
    dev = [s for s in samples if not is_held_out(s, globs)]
    held = [s for s in samples if is_held_out(s, globs)]
    drop = _near_copies(dev, held, threshold)
    kept = [s for j, s in enumerate(held) if j not in drop]
    return Split(dev, kept, [held[j] for j in sorted(drop)])


def template_groups(texts: Sequence[str], threshold: float = 0.2) -> list[int]:
    """A group per text: texts joined (transitively) when their word 5-gram Jaccard reaches
    `threshold`, so that the variants of one template share a group. For out-of-fold
    figures on sources without family labels (the in-the-wild jailbreaks): a fold never
    holds a variant of a template that the other folds train on."""
    sets = [shingles(t) for t in texts]
    index: dict[str, list[int]] = defaultdict(list)
    for i, grams in enumerate(sets):
        for gram in grams:
            index[gram].append(i)
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, grams in enumerate(sets):
        shared: dict[int, int] = defaultdict(int)
        for gram in grams:
            for j in index[gram]:
                if j > i:
                    shared[j] += 1
        for j, common in shared.items():
            if common / (len(grams) + len(sets[j]) - common) >= threshold:
                a, b = find(i), find(j)
                parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(len(texts))]
