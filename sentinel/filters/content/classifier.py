"""A small learned injection classifier: hashed byte n-grams and a linear model, numpy only.

Features are the byte 3-, 4- and 5-grams of the folded text (lower-cased, NFKC), hashed
into `2**bits` buckets; the model is one weight per bucket and a bias. A text is read in
windows of `window_bytes` (two overlapping grids, so an injection never straddles only
boundaries); each window's score is `bias + sum(weights) / sqrt(n-grams)`, and the text's
probability is the logistic of the best window. Everything is vectorised: no Python loop
per n-gram, linear in the text, and a handful of numpy calls per text (a short user message
costs little more than the call).

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

MODEL_FILE = "injection_model_v2.npz"
NGRAMS = (3, 4, 5)
# One odd 64-bit multiplier per n (multiply-shift hashing): n-grams of different n apart.
_MULTS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)[
    :, None
]
_MASKS = np.array([(1 << (8 * n)) - 1 for n in NGRAMS], dtype=np.uint64)[:, None]
_PAD = bytes(8)
HASHING = "bytes-le64-mask-multiply-shift"  # recorded in a model file's meta, checked

F32 = npt.NDArray[np.float32]
IDS = npt.NDArray[np.int64]


def hash_grid(data: bytes, bits: int) -> IDS:
    """Buckets of every byte n-gram, one row per n in NGRAMS and one column per start
    offset; a column whose n-gram runs past the end (`valid_counts`) holds a bucket that
    must not count. The 8 bytes at each offset are read at once as a little-endian integer
    (one unaligned view, copied once), masked to n bytes and hashed by one multiply (a
    multiplier per n) and a shift: a handful of numpy calls whatever the text's length."""
    size = len(data)
    if size == 0:
        return np.zeros((len(NGRAMS), 0), dtype=np.int64)
    words = np.ndarray((size,), dtype="<u8", buffer=data + _PAD, strides=(1,)).copy()
    with np.errstate(over="ignore"):
        keyed = words[None, :] & _MASKS
        keyed *= _MULTS
        keyed >>= np.uint64(64 - bits)
    return keyed.view(np.int64)  # buckets < 2**bits: the same values, indexable as is


def valid_counts(size: int) -> npt.NDArray[np.float64]:
    """How many of the NGRAMS start at each offset of a text of `size` bytes."""
    left = size - np.arange(size, dtype=np.float64)  # bytes from each offset to the end
    fits = left[None, :] >= np.array(NGRAMS, dtype=np.float64)[:, None]
    counts: npt.NDArray[np.float64] = fits.sum(axis=0, dtype=np.float64)
    return counts


def ngram_hashes(data: bytes, bits: int) -> list[IDS]:
    """Per n in NGRAMS, the bucket of every byte n-gram, aligned on its start offset."""
    grid = hash_grid(data, bits)
    return [grid[row, : max(len(data) - n + 1, 0)] for row, n in enumerate(NGRAMS)]


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
        if meta.get("hashing") != HASHING:
            raise ValueError(
                f"model file hashes n-grams as {meta.get('hashing')!r}, this code as {HASHING!r}"
            )
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
        grid = self.weights[hash_grid(data, self.bits)]  # (len(NGRAMS), len(data))
        for row, n in enumerate(NGRAMS):  # n-grams running past the end do not count
            grid[row, max(len(data) - n + 1, 0) :] = 0.0
        if len(data) <= self.window_bytes:  # one window: no per-offset bookkeeping
            count = sum(max(len(data) - n + 1, 0) for n in NGRAMS)
            return np.array([self.bias + float(grid.sum()) / max(count, 1) ** 0.5])
        per_start = grid.sum(axis=0, dtype=np.float64)
        counts = valid_counts(len(data))
        size = self.window_bytes
        logits = []
        for offset in (0, size // 2):
            starts = np.arange(offset, len(data), size)
            sums = np.add.reduceat(per_start, starts)
            grams = np.add.reduceat(counts, starts)
            logits.append(self.bias + sums / np.sqrt(np.maximum(grams, 1.0)))
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
