"""Token and dollar burn rate over a trailing event-time window, and a monthly forecast.

The forecast is month-to-date spend plus the trailing hourly burn rate times the hours left
in the calendar month (UTC) of the newest event.
"""

from __future__ import annotations

import calendar
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

_BUCKET_SECONDS = 60  # burn-rate resolution


@dataclass(frozen=True, slots=True)
class Burn:
    usd_per_hour: float
    tokens_per_second: float
    month_to_date_usd: float
    month_forecast_usd: float


class SpendTracker:
    """Per-minute cost and token buckets for one key (e.g. one service)."""

    def __init__(self, window_seconds: float = 3600.0) -> None:
        self.window_seconds = window_seconds
        self._buckets: deque[list[float]] = deque()  # [minute, usd, tokens], ascending
        self._month_start = float("inf")  # [start, end) of the newest month seen, POSIX s
        self._month_end = float("-inf")
        self._month_usd = 0.0
        self._newest = float("-inf")

    def add(self, usd: float, tokens: int, event_time: float) -> None:
        minute = event_time // _BUCKET_SECONDS
        if self._buckets and minute < self._buckets[0][0]:
            return  # older than the window: counted in totals and counters only
        self._newest = max(self._newest, event_time)
        self._add_to_month(usd, event_time)
        for bucket in reversed(self._buckets):
            if bucket[0] == minute:
                bucket[1] += usd
                bucket[2] += tokens
                break
            if bucket[0] < minute:
                self._insert(minute, usd, tokens)
                break
        else:
            self._insert(minute, usd, tokens)
        floor = self._newest // _BUCKET_SECONDS - self.window_seconds // _BUCKET_SECONDS
        while self._buckets and self._buckets[0][0] <= floor:
            self._buckets.popleft()

    def burn(self) -> Burn:
        usd = sum(b[1] for b in self._buckets)
        tokens = sum(b[2] for b in self._buckets)
        per_hour = usd * 3600.0 / self.window_seconds
        hours_left = max(self._month_end - self._newest, 0.0) / 3600.0
        return Burn(
            usd_per_hour=per_hour,
            tokens_per_second=tokens / self.window_seconds,
            month_to_date_usd=self._month_usd,
            month_forecast_usd=self._month_usd + per_hour * hours_left,
        )

    def _insert(self, minute: float, usd: float, tokens: int) -> None:
        self._buckets.append([minute, usd, float(tokens)])
        if len(self._buckets) > 1 and self._buckets[-2][0] > minute:
            self._buckets = deque(sorted(self._buckets, key=lambda b: b[0]))

    def _add_to_month(self, usd: float, event_time: float) -> None:
        if event_time >= self._month_end:
            self._month_start, self._month_end = _month_bounds(event_time)
            self._month_usd = 0.0
        if event_time >= self._month_start:
            self._month_usd += usd


def _month_bounds(event_time: float) -> tuple[float, float]:
    when = datetime.fromtimestamp(event_time, UTC)
    start = datetime(when.year, when.month, 1, tzinfo=UTC)
    days = calendar.monthrange(when.year, when.month)[1]
    return start.timestamp(), start.timestamp() + days * 86400.0
