"""Partition state, the state-topic codec and the global view fold."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.state import (
    META,
    GlobalView,
    Meta,
    PartitionState,
    decode_key,
    decode_value,
    encode_flush,
    encode_key,
    encode_value,
)

Delta = tuple[str, int, tuple[str, ...], int, float, float]


def _view() -> tuple[GlobalView, list[Delta]]:
    deltas: list[Delta] = []
    return GlobalView(lambda *d: deltas.append(d)), deltas


def _publish(state: PartitionState, view: GlobalView) -> None:
    """What the runner does once per batch, through the codec as the state topic would."""
    buckets, meta = state.changes()
    if meta is None:
        return
    view.apply_record(encode_key(*state.pid, META), encode_flush(meta, buckets))
    for bucket, cells in buckets.items():
        view.apply_record(encode_key(*state.pid, bucket), encode_value(cells, meta.covered))


def test_keys_and_values_round_trip() -> None:
    """A bucket's cells and a partition's meta survive encoding unchanged."""
    key = encode_key("llm-events", 4, 29_000_000)
    assert decode_key(key) == ("llm-events", 4, 29_000_000)
    assert decode_key(encode_key("t", 0, META)) == ("t", 0, META)
    cells = {("slo", 1, ("svc", "canary")): [2.0, 10.0], ("canary", 0, ()): [3.0, 3.0]}
    assert decode_value(7, encode_value(cells, 42)) == (42, cells)
    meta = Meta(42, 100.5, -math.inf, [3, 7], idle=True)
    assert decode_value(META, encode_flush(meta, {7: cells})) == (meta, {7: cells})


def test_fold_hands_the_monitors_only_differences() -> None:
    """Re-applying a partition's bucket adds nothing; an update adds only what changed."""
    view, deltas = _view()
    state = PartitionState(("t", 0))
    state.add(("slo", 0, ("a",)), 60.0, 1.0, 4.0)
    _publish(state, view)
    assert deltas == [("slo", 0, ("a",), 1, 1.0, 4.0)]
    view.apply_record(encode_key("t", 0, 1), encode_value(state.buckets[1], 0))  # redelivered
    assert len(deltas) == 1
    state.add(("slo", 0, ("a",)), 61.0, 0.0, 1.0)
    _publish(state, view)
    assert deltas[-1] == ("slo", 0, ("a",), 1, 0.0, 1.0)


def test_tombstone_subtracts_what_the_bucket_held() -> None:
    """A deleted bucket takes its sums back out of the global view."""
    view, deltas = _view()
    view.apply_bucket(("t", 1), 5, {("spend", 0, ("svc",)): [0.5, 100.0]})
    view.apply_record(encode_key("t", 1, 5), None)
    assert deltas[-1] == ("spend", 0, ("svc",), 5, -0.5, -100.0)
    assert view.totals("spend") == {}


def test_global_totals_are_the_sum_over_partitions() -> None:
    """Three partitions counted by different owners fold into one set of sums."""
    view, _ = _view()
    for partition, (bad, total) in enumerate([(1, 10), (0, 7), (4, 9)]):
        state = PartitionState(("t", partition))
        state.add(("gate", 2, ("canary",)), 120.0, float(bad), float(total))
        state.seen(partition * 100, 120.0)
        _publish(state, view)
    assert view.totals("gate") == {(2, ("canary",)): [5.0, 26.0]}
    assert view.partitions() == [("t", 0), ("t", 1), ("t", 2)]


def test_commit_offset_stays_at_the_oldest_waiting_event() -> None:
    """Offsets are committed no further than a request still waiting for its response."""
    state = PartitionState(("t", 0))
    for offset in range(10):
        state.seen(offset, 1000.0 + offset)
    state.hold("req-3", 3, 1003.0)
    state.hold("req-6", 6, 1006.0)
    assert state.covered == 10
    assert state.commit_offset() == 3
    assert state.low_watermark() == 1003.0
    state.release("req-3")
    assert state.commit_offset() == 6
    state.release("req-6")
    assert state.commit_offset() == 10
    assert state.low_watermark() == 1009.0


def test_meta_tells_a_new_owner_what_to_re_read() -> None:
    """The meta carries covered and the waiting offsets; a new owner restores them."""
    state = PartitionState(("t", 2))
    state.seen(0, 50.0)
    state.seen(1, 51.0)
    state.hold("r", 0, 50.0)
    _, meta = state.changes()
    assert meta is not None and meta.held == [0] and meta.covered == 2
    restored = PartitionState(("t", 2), meta)
    assert restored.covered == 2 and restored.restore == frozenset({0})
    assert restored.watermark == 51.0


def test_changes_are_reported_once() -> None:
    """A batch publishes the buckets it touched and then nothing until the next change."""
    state = PartitionState(("t", 0))
    state.add(("slo", 0, ()), 0.0, 0.0, 1.0)
    state.add(("slo", 0, ()), 130.0, 1.0, 1.0)
    state.seen(0, 130.0)
    buckets, meta = state.changes()
    assert sorted(buckets) == [0, 2] and meta is not None
    assert state.changes() == ({}, None)


def test_complete_until_waits_for_the_slowest_busy_partition() -> None:
    """Evaluation waits for the partition furthest behind; idle partitions do not hold it."""
    view, _ = _view()
    assert view.complete_until() is None
    view.apply_meta(("t", 0), Meta(10, 500.0, 480.0, []))
    view.apply_meta(("t", 1), Meta(10, 400.0, 300.0, [4]))
    assert view.complete_until() == 300.0
    view.apply_meta(("t", 1), Meta(10, 400.0, 300.0, [4], idle=True))
    assert view.complete_until() == 480.0


def test_a_partition_without_event_time_holds_nothing_back() -> None:
    """A partition whose records so far were all dead letters or duplicates (no event
    time: low watermark -inf) neither holds evaluation back nor makes it -inf, which
    once crashed the consume loop on every restart."""
    view, _ = _view()
    view.apply_meta(("t", 1), Meta(1, -math.inf, -math.inf, []))
    assert view.complete_until() is None
    view.apply_meta(("t", 0), Meta(10, 500.0, 480.0, []))
    assert view.complete_until() == 480.0


@pytest.mark.parametrize(
    "key",
    [None, b"no separators", b"t\x1fnot-a-number\x1f3"],
    ids=["no key", "foreign key", "bad partition"],
)
def test_foreign_records_are_skipped_not_raised(key: bytes | None) -> None:
    """A record the view does not understand is counted and skipped."""
    view, deltas = _view()
    assert view.apply_record(key, b"\x90") is None
    assert view.rejected == 1 and deltas == []


def test_expired_buckets_are_returned_for_tombstones() -> None:
    """Buckets older than every window leave the partition state."""
    state = PartitionState(("t", 0))
    state.add(("slo", 0, ()), 0.0, 0.0, 1.0)
    state.add(("slo", 0, ()), 600.0, 0.0, 1.0)
    assert state.expire(5) == [0]
    assert list(state.buckets) == [10]


def test_a_restored_partition_commits_no_further_than_events_it_has_not_re_read() -> None:
    """Until the waiting events are re-read, the commit stays at the oldest of them."""
    state = PartitionState(("t", 0), Meta(20, 500.0, 400.0, [5, 9]))
    assert state.commit_offset() == 5
    assert state.low_watermark() == 400.0
    assert state.meta().held == [5, 9]
    state.hold("r5", 5, 400.0)
    state.hold("r9", 9, 450.0)
    state.release("r5")
    assert state.commit_offset() == 9
    state.release("r9")
    assert state.commit_offset() == 20


def test_a_flush_cut_short_after_its_meta_record_is_whole() -> None:
    """The meta record carries the flush's buckets: sums and covered offsets move together."""
    view, _ = _view()
    state = PartitionState(("t", 0))
    state.add(("slo", 0, ()), 60.0, 1.0, 2.0)
    state.seen(0, 60.0)
    buckets, meta = state.changes()
    assert meta is not None
    view.apply_record(encode_key("t", 0, META), encode_flush(meta, buckets))  # then a crash
    assert view.totals("slo") == {(0, ()): [1.0, 2.0]}
    meta_now = view.meta(("t", 0))
    assert meta_now is not None and meta_now.covered == 1
    assert view.last_flushed(("t", 0)) == frozenset({1})


def test_an_older_record_read_late_does_not_move_the_view_back() -> None:
    """After a rebalance, records of the former owner read late are skipped as stale."""
    view, deltas = _view()
    pid = ("t", 3)
    view.apply_record(encode_key(*pid, 9), encode_value({("slo", 0, ()): [2.0, 8.0]}, 50))
    view.apply_record(encode_key(*pid, 9), encode_value({("slo", 0, ()): [1.0, 4.0]}, 20))
    assert view.totals("slo") == {(0, ()): [2.0, 8.0]} and view.stale == 1
    view.apply_record(
        encode_key(*pid, META),
        encode_flush(Meta(20, 0.0, 0.0, []), {9: {("slo", 0, ()): [1.0, 4.0]}}),
    )
    assert view.totals("slo") == {(0, ()): [2.0, 8.0]}
    assert len(deltas) == 1


_OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("hold"),
            st.integers(0, 30),  # event id (a small pool: ids are held again)
            st.integers(0, 1_000),  # offset
            st.floats(0, 1e4, allow_nan=False),  # event time
        ),
        st.tuples(st.just("release"), st.integers(0, 30), st.just(0), st.just(0.0)),
        st.tuples(st.just("retain"), st.integers(0, 30), st.just(0), st.just(0.0)),
        st.tuples(st.just("check"), st.just(0), st.just(0), st.just(0.0)),
    ),
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(_OPS, st.lists(st.integers(0, 1_000), max_size=5))
def test_bounds_from_heaps_equal_a_scan_of_the_waiting_events(
    ops: list[tuple[str, int, int, float]], restored: list[int]
) -> None:
    """The oldest waiting offset and event time (kept in heaps) are what a scan over every
    waiting event gives, through holds, re-holds, releases and retains."""
    meta = Meta(1_001, 50.0, 20.0, sorted(set(restored))) if restored else None
    state = PartitionState(("t", 0), meta)
    state.seen(-1, 1e9)  # event time far ahead: the low watermark is the oldest waiting
    held: dict[str, tuple[int, float]] = {}
    unread = set(restored)
    for op, key, offset, t in ops:
        event_id = f"e{key}"
        if op == "hold":
            state.hold(event_id, offset, t)
            held[event_id] = (offset, t)
            unread.discard(offset)
        elif op == "release":
            state.release(event_id)
            held.pop(event_id, None)
        elif op == "retain":  # keep the ids up to `key`
            keep = {f"e{k}" for k in range(key)}
            state.retain(keep)
            held = {k: v for k, v in held.items() if k in keep}
        oldest_time = min((t for _, t in held.values()), default=math.inf)
        if unread:
            oldest_time = min(oldest_time, 20.0)
        assert state.low_watermark() == min(state.watermark, oldest_time)
        oldest = min((o for o, _ in held.values()), default=state.covered)
        expected = min(oldest, state.covered, *unread) if unread else oldest
        assert state.commit_offset() == expected
        assert state.meta().held == sorted({o for o, _ in held.values()} | unread)


def test_released_events_do_not_pile_up_behind_one_that_waits() -> None:
    """One request waits while thousands come and go: the bounds stay right and the
    heaps are rebuilt instead of growing with every released event."""
    state = PartitionState(("t", 0))
    state.seen(-1, 1e9)
    state.hold("old", 0, 1.0)
    for i in range(1, 5_000):
        state.hold(f"e{i}", i, 1.0 + i)
        state.release(f"e{i}")
    assert state.commit_offset() == 0 and state.low_watermark() == 1.0
    state.release("old")
    state.hold("last", 7_000, 9.0)
    assert state.commit_offset() == 7_000 and state.low_watermark() == 9.0
    assert len(state._oldest_time) < 2_100  # rebuilt, not 5,001 entries
