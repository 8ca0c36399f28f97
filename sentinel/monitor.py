"""Event-time monitors: SLO burn rates, spend guards and (when configured) canary gates.

They observe every accounted exchange with its verdict and are evaluated at fixed ticks of
event time (`evaluation_interval_seconds`), never at batch boundaries, so a replay of a
recorded day raises the same alerts at the same event times as the live run did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sentinel.alerting.book import AlertBook
from sentinel.filters.chain import Verdict
from sentinel.guard.spend import ALERT_NAME as SPEND_ALERT
from sentinel.guard.spend import SpendGuard, Trip
from sentinel.rollback.engine import RollbackEngine
from sentinel.slo.engine import ALERT_NAME as SLO_ALERT
from sentinel.slo.engine import SloEngine
from sentinel.track.account import Accounted


class Monitor:
    def __init__(
        self,
        slo: SloEngine,
        guard: SpendGuard,
        book: AlertBook,
        interval_seconds: float,
        throttle: Callable[[dict[str, Any]], None] | None = None,
        rollback: RollbackEngine | None = None,
    ) -> None:
        self.slo = slo
        self.guard = guard
        self.book = book
        self.interval = interval_seconds
        self.throttle = throttle
        self.rollback = rollback
        self._next_tick: float | None = None
        self._tripped: dict[tuple[str, tuple[tuple[str, str], ...]], Trip] = {}

    def observe(self, item: Accounted, verdict: Verdict) -> None:
        self.slo.observe(item, verdict)
        self.guard.observe(item)
        if self.rollback is not None:
            self.rollback.observe(item, verdict)

    def publish(self) -> None:
        """Consume loop, once per batch: refresh the snapshot that scrapes read."""
        self.slo.publish()

    def advance(self, watermark: float) -> None:
        """Evaluate every tick that the watermark has passed."""
        if self._next_tick is None:
            self._next_tick = (watermark // self.interval + 1) * self.interval
            return
        while watermark >= self._next_tick:
            self._evaluate(self._next_tick)
            self._next_tick += self.interval

    def _evaluate(self, tick: float) -> None:
        firing = self.slo.firing_at(tick)
        self.book.sync(firing, tick, names=(SLO_ALERT,))
        readings = self.guard.readings_at(tick)
        trips = [r for r in readings if r.reason]
        self.book.sync([self.guard.alert(t) for t in trips], tick, names=(SPEND_ALERT,))
        self._throttle(trips, readings)
        if self.rollback is not None:
            self.rollback.evaluate(tick)  # canary vs baseline, per gated SLI
            self.rollback.on_slo_alerts(firing, tick)  # the canary's own SLO pages

    def _throttle(self, trips: list[Trip], readings: list[Trip]) -> None:
        """Throttle on a new trip; release (with the current, lower rates) when it ends."""
        current = {_series(t): t for t in trips}
        if self.throttle is not None:
            for key, trip in current.items():
                if key not in self._tripped:
                    self.throttle(trip.payload("throttle"))
            now = {_series(r): r for r in readings}
            for key in self._tripped.keys() - current.keys():
                reading = now.get(key)
                if reading is not None:
                    release = reading.payload("release")
                    self.throttle({**release, "reason": "under every threshold"})
        self._tripped = current


def _series(trip: Trip) -> tuple[str, tuple[tuple[str, str], ...]]:
    return trip.guard, tuple(sorted(trip.labels.items()))
