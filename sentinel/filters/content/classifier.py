"""A small learned injection classifier: hashed byte n-grams and a linear model, numpy only.

Features are the byte 3-, 4- and 5-grams of the folded text (lower-cased, NFKC), hashed
into `2**bits` buckets; the model is one weight per bucket and a bias. A text is read in
windows of `window_bytes` (two overlapping grids, so an injection never straddles only
boundaries); each window's score is `bias + sum(weights) / sqrt(n-grams)`, and the text's
probability is the logistic of the best window. Everything is vectorised: no Python loop
per n-gram, linear in the text.

The model file (`sentinel/data/content/injection_model_v*.npz`) is produced by
`scripts/train_injection_model.py` (deterministic, development families only); its card is
docs/model-card-injection.md. Loaded once, without network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_FILE = "injection_model_v1.npz"
NGRAMS = (3, 4, 5)
_SEED = np.uint32(0x9E3779B1)
_PRIME = np.uint32(0x01000193)
_MIX = np.uint32(0x2C1B3C6D)

U32 = npt.NDArray[np.uint32]
F32 = npt.NDArray[np.float32]


def ngram_hashes(data: bytes, bits: int) -> list[U32]:
    """Per n in NGRAMS, the bucket of every byte n-gram, aligned on its start offset."""
    raw = np.frombuffer(data, dtype=np.uint8).astype(np.uint32)
    out: list[U32] = []
    with np.errstate(over="ignore"):
        for n in NGRAMS:
            count = raw.size - n + 1
            if count <= 0:
                out.append(np.zeros(0, dtype=np.uint32))
                continue
            h = np.full(count, _SEED * np.uint32(n), dtype=np.uint32)
            for k in range(n):
                h = (h ^ raw[k : k + count]) * _PRIME
            h ^= h >> np.uint32(15)
            h *= _MIX
            h ^= h >> np.uint32(13)
            out.append(h >> np.uint32(32 - bits))
    return out


@dataclass(frozen=True)
class HashedModel:
    weights: F32
    bias: float
    bits: int
    window_bytes: int
    version: str
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Any) -> HashedModel:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            weights = archive["weights"].astype(np.float32)
            bias = float(archive["bias"])
        bits = int(meta["bits"])
        if weights.shape != (1 << bits,):
            raise ValueError(f"model weights have shape {weights.shape}, expected {1 << bits}")
        return cls(weights, bias, bits, int(meta["window_bytes"]), str(meta["version"]), meta)

    @classmethod
    def packaged(cls) -> HashedModel:
        return _packaged()

    def window_logits(self, data: bytes) -> npt.NDArray[np.float64]:
        """Logit of every window (two grids offset by half a window)."""
        if not data:
            return np.array([self.bias])
        if len(data) <= self.window_bytes:  # one window: no per-offset bookkeeping
            total, count = 0.0, 0
            for ids in ngram_hashes(data, self.bits):
                total += float(self.weights[ids].sum())
                count += ids.size
            return np.array([self.bias + total / max(count, 1) ** 0.5])
        per_start = np.zeros(len(data), dtype=np.float64)
        counts = np.zeros(len(data), dtype=np.float64)
        for ids in ngram_hashes(data, self.bits):
            per_start[: ids.size] += self.weights[ids]
            counts[: ids.size] += 1.0
        size = self.window_bytes
        logits = []
        for offset in (0, size // 2):
            if offset and len(data) <= size:
                break
            starts = np.arange(offset, len(data), size)
            sums = np.add.reduceat(per_start, starts)
            n = np.add.reduceat(counts, starts)
            logits.append(self.bias + sums / np.sqrt(np.maximum(n, 1.0)))
        return np.concatenate(logits)

    def probability(self, data: bytes, pooling: str = "max") -> float:
        """Probability that the text carries an injection or jailbreak: from its best window
        (`max`: an injection hides in one place) or its average window (`mean`: a jailbreak
        runs through the whole message, a long benign brief has one odd paragraph)."""
        logits = self.window_logits(data)
        pooled = float(logits.max() if pooling == "max" else logits.mean())
        return float(1.0 / (1.0 + np.exp(-pooled)))


@cache
def _packaged() -> HashedModel:
    path = resources.files("sentinel") / "data" / "content" / MODEL_FILE
    with resources.as_file(path) as local:
        return HashedModel.load(local)
