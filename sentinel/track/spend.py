"""Token and dollar burn rate over a trailing event-time window, and a monthly forecast.

The rates come from the windowed-rate utility (`track/windowed_rate.py`) that the spend
guard and the SLO engine read too: an event older than the window is not counted (nor in
month-to-date), an out-of-order one inside it is.

The forecast is month-to-date spend plus the trailing hourly burn rate times the hours left
in the calendar month (UTC) of the newest event.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

from sentinel.track.windowed_rate import WindowSums

_BUCKET_SECONDS = 60  # burn-rate resolution


@dataclass(frozen=True, slots=True)
class Burn:
    usd_per_hour: float
    tokens_per_second: float
    month_to_date_usd: float
    month_forecast_usd: float


class SpendTracker:
    """Trailing dollars and tokens for one key (e.g. one service), in minute buckets of the
    windowed-rate utility; month-to-date spend beside them."""

    def __init__(self, window_seconds: float = 3600.0) -> None:
        self.window_seconds = window_seconds
        self._minutes = max(int(window_seconds // _BUCKET_SECONDS), 1)
        self._sums = WindowSums(_BUCKET_SECONDS, [self._minutes])
        self._month_start = float("inf")  # [start, end) of the newest month seen, POSIX s
        self._month_end = float("-inf")
        self._month_usd = 0.0
        self._newest = float("-inf")

    def add(self, usd: float, tokens: int, event_time: float) -> None:
        if event_time > self._newest:
            self._newest = event_time
        elif event_time // _BUCKET_SECONDS <= self._newest // _BUCKET_SECONDS - self._minutes:
            return  # older than the window: counted in totals and counters only
        self._add_to_month(usd, event_time)
        self._sums.add(event_time, usd, tokens)

    def burn(self) -> Burn:
        """Rates over the window ending at the newest event's minute."""
        if self._newest == float("-inf"):
            return Burn(0.0, 0.0, 0.0, 0.0)
        self._sums.advance(self._newest)
        usd_per_hour = self._sums.rates(self._minutes, 3600.0)[0]
        tokens_per_second = self._sums.rates(self._minutes, 1.0)[1]
        hours_left = max(self._month_end - self._newest, 0.0) / 3600.0
        return Burn(
            usd_per_hour=usd_per_hour,
            tokens_per_second=tokens_per_second,
            month_to_date_usd=self._month_usd,
            month_forecast_usd=self._month_usd + usd_per_hour * hours_left,
        )

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
