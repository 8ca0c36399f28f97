"""The bounded LRU maps of the filters: both bounds, recency, and the findings cache."""

from __future__ import annotations

from sentinel.filters.cache import FieldCache
from sentinel.filters.hallucination.lru import BoundedLRU
from sentinel.values import Finding


def test_count_bound_evicts_the_least_recently_used() -> None:
    """Past `max_entries`, the entry read longest ago goes first (a read renews an entry)."""
    lru: BoundedLRU[str, int] = BoundedLRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "b" is now the oldest
    lru.put("c", 3)
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3
    assert len(lru) == 2


def test_weight_bound_and_count_bound_both_hold() -> None:
    """Weights past `max_weight` evict oldest-first; the count bound still applies."""
    lru: BoundedLRU[str, str] = BoundedLRU(3, max_weight=10)
    lru.put("a", "x", weight=4)
    lru.put("b", "y", weight=4)
    lru.put("c", "z", weight=4)  # 12 > 10: "a" goes
    assert lru.get("a") is None and len(lru) == 2
    for key in "defg":
        lru.put(key, key, weight=1)
    assert len(lru) == 3  # the count bound, though the weight (3) is far below 10


def test_an_entry_heavier_than_the_bound_is_computed_but_not_kept() -> None:
    """get_or_compute returns the value of an over-weight entry without caching it."""
    lru: BoundedLRU[str, str] = BoundedLRU(5, max_weight=10)
    calls: list[str] = []

    def compute() -> str:
        calls.append("x")
        return "big"

    assert lru.get_or_compute("k", compute, weight=11) == "big"
    assert lru.get_or_compute("k", compute, weight=11) == "big"
    assert len(calls) == 2 and len(lru) == 0
    assert lru.get_or_compute("s", compute, weight=1) == "big"
    assert lru.get_or_compute("s", compute, weight=1) == "big"
    assert len(calls) == 3 and lru.hits == 1


def test_field_cache_relabels_hits_and_keeps_its_bound() -> None:
    """A hit reports the findings under the asking field; the oldest key goes when full."""
    cache = FieldCache(2)
    finding = Finding(
        filter="pii",
        category="EMAIL_ADDRESS",
        severity="high",
        field="prompt",
        field_kind="user",
        start=0,
        end=5,
        score=1.0,
        rule_id="pii.email",
        action="redact",
    )
    cache.put(("pii", "prompt", b"1"), [finding])
    cache.put(("pii", "prompt", b"2"), [])
    hit = cache.get(("pii", "prompt", b"1"), "context[0]")
    assert hit is not None and hit[0].field == "context[0]" and hit[0].category == "EMAIL_ADDRESS"
    assert cache.get(("pii", "prompt", b"2"), "prompt") == []
    cache.put(("pii", "prompt", b"3"), [])  # "1" was read before "2": "1" is the oldest
    assert cache.get(("pii", "prompt", b"1"), "prompt") is None
    assert (cache.hits, cache.misses, len(cache)) == (2, 1, 2)


def test_a_zero_sized_field_cache_keeps_nothing() -> None:
    """entries=0 turns the cache off."""
    cache = FieldCache(0)
    cache.put(("pii", "prompt", b"1"), [])
    assert cache.get(("pii", "prompt", b"1"), "prompt") is None and len(cache) == 0
