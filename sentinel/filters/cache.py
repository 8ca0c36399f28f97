"""Findings of texts seen recently, by content hash: a repeated text is scanned once.

System prompts and retrieved chunks repeat across requests. For the field kinds a filter
declares *local* (their findings depend only on the field's own text and kind, not on the
other fields of the exchange), the chain keeps each text's findings in a bounded LRU keyed
by (filter, kind, BLAKE2b of the text) and hands the filter only the fields it has not
seen. Findings are stored without their field name and re-labelled on a hit, so a hit
reports exactly what a scan would (a test runs the pipeline with and without the cache on
the same input and compares the verdicts).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from cachetools import LRUCache

from sentinel.values import Finding

# A text with more findings than this is not cached (a 4 MB dense field would pin them).
MAX_CACHED_FINDINGS = 256
CacheKey = tuple[str, str, bytes]  # filter name, field kind, digest of the text


def digest(text: str) -> bytes:
    """16-byte BLAKE2b of the text's UTF-8 (lone surrogates kept)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class FieldCache:
    """Bounded map from (filter, kind, text digest) to that text's findings."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: LRUCache[CacheKey, tuple[Finding, ...]] = LRUCache(max(entries, 1))
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey, field: str) -> list[Finding] | None:
        """The cached findings re-labelled with `field`, or None."""
        found = self._items.get(key)  # a hit becomes the most recently used
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return [replace(f, field=field) for f in found] if found else []

    def put(self, key: CacheKey, findings: list[Finding]) -> None:
        if self.entries <= 0 or len(findings) > MAX_CACHED_FINDINGS:
            return
        self._items[key] = tuple(findings)  # the least recently used goes when full

    def __len__(self) -> int:
        return len(self._items)
