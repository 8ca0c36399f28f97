"""A small LRU map bounded by entry count and by a total weight (thread-safe)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K")
V = TypeVar("V")


def _weight(item: tuple[object, int]) -> int:
    return item[1]


class BoundedLRU(Generic[K, V]):
    """Least-recently-used entries go first when `max_entries` or `max_weight` is passed.

    An entry heavier than `max_weight` on its own is computed but not kept. cachetools'
    LRU bounds the weight (or the count, when there is no weight bound); the count bound
    on top evicts from the same least-recently-used end."""

    def __init__(self, max_entries: int, max_weight: int | None = None) -> None:
        self.max_entries = max_entries
        self.max_weight = max_weight
        self.hits = 0
        self.misses = 0
        self._items: LRUCache[K, tuple[V, int]] = (
            LRUCache(max_entries) if max_weight is None else LRUCache(max_weight, getsizeof=_weight)
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            return found[0]

    def put(self, key: K, value: V, weight: int = 1) -> None:
        if self.max_weight is not None and weight > self.max_weight:
            return
        with self._lock:
            self._items[key] = (value, weight)
            while len(self._items) > self.max_entries:
                self._items.popitem()

    def get_or_compute(self, key: K, compute: Callable[[], V], weight: int = 1) -> V:
        found = self.get(key)
        if found is not None:
            return found
        value = compute()  # outside the lock: may be slow
        self.put(key, value, weight)
        return value
