"""Spans of a text asked about in O(log n) instead of by a pass over all of them.

Citation, claim and sentence extraction and the PII overlap rule each asked every span
taken so far whether it overlaps or contains a new one: quadratic in the number of
matches, so that one hostile output of 300 KB (`[1][1][1]…`, a page of phone numbers)
held the consumer for minutes. Both classes give exactly the answers of those passes (a
property test compares them on random spans, empty ones included).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate


class SpanSet:
    """Spans taken one by one, asked "does this span overlap one?": the answer of

        any(s < end and start < e for s, e in spans)

    (half-open spans; an empty span counts when it lies strictly inside the query). The
    spans are kept sorted, overlapping ones merged into one interval, so no two stored
    intervals overlap and their ends rise with their starts: of those starting before
    `end`, the last reaches furthest. Merging overlapping intervals changes no answer;
    touching ones stay apart, because an empty query where they touch overlaps neither."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in spans:
            self.add(start, end)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self._starts, end)
        return i > 0 and self._ends[i - 1] > start

    def add(self, start: int, end: int) -> None:
        starts, ends = self._starts, self._ends
        j = bisect_left(starts, end)  # intervals [0, j) start before `end`
        k = bisect_right(ends, start, 0, j)  # of those, [k, j) also end after `start`
        if k < j:  # they overlap the new span: one interval covers them all
            start, end = min(start, starts[k]), max(end, ends[j - 1])
        starts[k:j] = [start]
        ends[k:j] = [end]

    def __len__(self) -> int:
        return len(self._starts)


class Covers:
    """Fixed spans, asked "does one of them contain this span?": the answer of
    `any(s <= start and end <= e for s, e in spans)`. Of the spans starting at or before
    `start`, the one reaching furthest decides."""

    __slots__ = ("_reach", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(accumulate((e for _, e in ordered), max))

    def contains(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, start)
        return i > 0 and self._reach[i - 1] >= end
