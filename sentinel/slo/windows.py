"""Two sums (bad and total events; or dollars and tokens) over sliding event-time windows.

Each window keeps its sums up to date as buckets enter and leave, so an evaluation costs
O(buckets moved), not O(buckets held): a replayed month evaluates every 30 s cheaply.
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
            if old == _NEVER:
                self._bad[w] = sum(b[0] for i, b in buckets.items() if lower <= i <= new)
                self._total[w] = sum(b[1] for i, b in buckets.items() if lower <= i <= new)
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
        bad, total = self.counts(window_buckets)
        return bad / total if total else None
