"""Two sums over sliding event-time windows, and their rates: the one windowed-rate utility.

Every burn rate sentinel computes reads it: SLO burn (bad and total events per window),
spend-guard burn (dollars and tokens per window) and the live spend gauges
(`track/spend.py`). Each window keeps its sums up to date as buckets enter and leave, so an
evaluation costs O(buckets moved), not O(buckets held): a replayed month evaluates every
30 s cheaply.

Edge cases, written once here: a window with nothing in it has sums of zero (and no error
ratio); an event older than every window is dropped; an event ahead of `now` waits in its
bucket until `advance` reaches it; out-of-order events count in every window that holds
their bucket; a gap longer than a window empties it (the buckets that left are subtracted,
the ones that entered added, never more than the window's own length).
"""

from __future__ import annotations

_NEVER = -(2**62)


class WindowSums:
    """Buckets of `bucket_seconds`; each window is the `w` buckets ending at `now`.

    An event ahead of `now` waits in its bucket and enters the windows when `advance`
    reaches it; an event behind a window's start counts only in the windows that hold it.
    """

    def __init__(self, bucket_seconds: int, window_buckets: list[int]) -> None:
        self.bucket_seconds = bucket_seconds
        self.windows = sorted(set(window_buckets))
        self._keep = max(self.windows)
        self._buckets: dict[int, list[float]] = {}  # index -> [first, second]
        self._bad = dict.fromkeys(self.windows, 0.0)
        self._total = dict.fromkeys(self.windows, 0.0)
        self._tail = dict.fromkeys(self.windows, _NEVER)  # first bucket each window holds
        self._now = _NEVER
        # Additions to buckets the windows already hold, applied on the next read or advance:
        # an add costs O(1) instead of O(windows) (events mostly land in the newest bucket).
        self._pending: dict[int, list[float]] = {}

    def add(self, event_time: float, bad: float, total: float = 1.0) -> None:
        index = int(event_time // self.bucket_seconds)
        now = self._now
        if index <= now - self._keep and now != _NEVER:
            return  # older than every window
        bucket = self._buckets.get(index)
        if bucket is None:
            self._buckets[index] = [bad, total]
        else:
            bucket[0] += bad
            bucket[1] += total
        if index <= now:
            delta = self._pending.get(index)
            if delta is None:
                self._pending[index] = [bad, total]
            else:
                delta[0] += bad
                delta[1] += total

    def _apply_pending(self) -> None:
        for index, (bad, total) in self._pending.items():
            for w in self.windows:
                if index >= self._tail[w]:
                    self._bad[w] += bad
                    self._total[w] += total
        self._pending.clear()

    def advance(self, event_time: float) -> None:
        """Windows now end at the bucket of `event_time` (never moves back)."""
        new = int(event_time // self.bucket_seconds)
        old = self._now
        if new <= old:
            return
        if self._pending:
            self._apply_pending()
        self._now = new
        buckets = self._buckets
        for w in self.windows:
            lower = new - w + 1
            if old == _NEVER or lower > old:  # first read, or a gap longer than the window
                # Counted afresh: an emptied window reads exactly zero, with no rounding
                # left over from the buckets that passed through it.
                if len(buckets) <= w:
                    inside = [b for i, b in buckets.items() if lower <= i <= new]
                else:
                    inside = [b for i in range(lower, new + 1) if (b := buckets.get(i))]
                self._bad[w] = sum(b[0] for b in inside)
                self._total[w] = sum(b[1] for b in inside)
            else:
                for i in range(self._tail[w], min(lower, old + 1)):  # leaving
                    b = buckets.get(i)
                    if b is not None:
                        self._bad[w] -= b[0]
                        self._total[w] -= b[1]
                for i in range(max(old + 1, lower), new + 1):  # entering
                    b = buckets.get(i)
                    if b is not None:
                        self._bad[w] += b[0]
                        self._total[w] += b[1]
            self._tail[w] = lower
        if len(buckets) > self._keep * 2:
            floor = new - self._keep
            for index in [i for i in buckets if i <= floor]:
                del buckets[index]

    def counts(self, window_buckets: int) -> tuple[float, float]:
        """The two sums in the window of `window_buckets` buckets ending now."""
        if self._pending:
            self._apply_pending()
        return self._bad[window_buckets], self._total[window_buckets]

    def error_ratio(self, window_buckets: int) -> float | None:
        """First sum over second (bad over total events); None when the window is empty."""
        bad, total = self.counts(window_buckets)
        return bad / total if total else None

    def rates(self, window_buckets: int, per_seconds: float) -> tuple[float, float]:
        """The two sums of the window as rates per `per_seconds` (e.g. 3600: per hour)."""
        first, second = self.counts(window_buckets)
        scale = per_seconds / self.bucket_seconds
        return first * scale / window_buckets, second * scale / window_buckets
