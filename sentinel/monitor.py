"""Event-time monitors: SLO burn rates, spend guards and (when configured) canary gates.

They observe every accounted exchange with its verdict and are evaluated at fixed ticks of
event time (`evaluation_interval_seconds`), never at batch boundaries, so a replay of a
recorded day raises the same alerts at the same event times as the live run did.

Empty event time is crossed in O(1): once no observation lies within the quiet horizon
(the longest window that can still make an alert fire: SLO short windows, spend-guard
windows) every further tick would evaluate to the same empty state, so the monitor jumps to
the last tick the watermark passed and evaluates it once. Two exchanges a year apart cost
a few hundred evaluations, not a million.

On the exchange path the monitor is an observer: it evaluates outside record handling, at
the end of each batch. Exchanges that arrive after event time passed a tick not yet
evaluated are held (with the time marks between them) and replayed in order at the batch
end, so every tick sees exactly the exchanges older than it, as if evaluated at once.
`followers` (the report timeline, which samples SLO budgets) are fed in the same order,
just before the monitors see each exchange, so what they read is as consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sentinel.alerting.book import AlertBook
from sentinel.guard.config import SpendGuardRules
from sentinel.guard.spend import ALERT_NAME as SPEND_ALERT
from sentinel.guard.spend import SpendGuard, Trip
from sentinel.observers import BatchEnd, Observer
from sentinel.rollback.engine import RollbackEngine
from sentinel.slo.config import SloRules
from sentinel.slo.engine import ALERT_NAME as SLO_ALERT
from sentinel.slo.engine import SloEngine, short_minutes
from sentinel.values import Accounted, Verdict


class Monitor(Observer):
    def __init__(
        self,
        slo: SloEngine,
        guard: SpendGuard,
        book: AlertBook,
        interval_seconds: float,
        throttle: Callable[[dict[str, Any]], None] | None = None,
        rollback: RollbackEngine | None = None,
        horizon_seconds: float | None = None,
        followers: Sequence[Callable[[Accounted, Verdict], None]] = (),
        on_trip: Callable[[str], None] | None = None,
    ) -> None:
        """`horizon_seconds`: after this much event time without observations, nothing
        can start firing (`quiet_horizon_seconds`); a day when not given. `followers` see
        each exchange just before the monitors do, in the monitors' order. `on_trip`
        is told the guard name of every new spend-guard trip (the trips counter)."""
        self.slo = slo
        self.guard = guard
        self.book = book
        self.interval = interval_seconds
        self.throttle = throttle
        self.rollback = rollback
        self._next_tick: float | None = None
        self._horizon = horizon_seconds if horizon_seconds is not None else 86_400.0
        self._last_observed = float("-inf")  # newest event time observed
        self._tripped: dict[tuple[str, tuple[tuple[str, str], ...]], Trip] = {}
        self.followers = tuple(followers)
        self.on_trip = on_trip
        # From the first passed tick to the batch end: exchanges and time marks, in order.
        self._held: list[tuple[Accounted, Verdict] | float] | None = None

    # -- the exchange path (observer hooks) -------------------------------------------

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        if self._held is None:
            self.observe(item, verdict)
        else:
            self._held.append((item, verdict))

    def time(self, watermark: float) -> None:
        if self._next_tick is None:
            self.advance(watermark)  # the first time sets the first tick
        elif self._held is not None:
            self._held.append(watermark)
        elif watermark >= self._next_tick:
            self._held = [watermark]

    def batch_end(self, batch: BatchEnd) -> None:
        """Evaluate the ticks passed in this batch, in event-time order; publish the SLO
        snapshot that scrapes read."""
        held, self._held = self._held, None
        for entry in held or ():
            if isinstance(entry, float):
                self.advance(entry)
            else:
                self.observe(*entry)
        self.publish()  # scrapes read this snapshot, never live state

    # -- direct use -------------------------------------------------------------------

    def observe(self, item: Accounted, verdict: Verdict) -> None:
        for follow in self.followers:
            follow(item, verdict)
        if item.event_time > self._last_observed:
            self._last_observed = item.event_time
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
        interval = self.interval
        while watermark >= self._next_tick:
            if self._next_tick > self._last_observed + self._horizon + interval:
                # Quiet: every tick up to the watermark evaluates the same; jump to the last.
                self._next_tick += (watermark - self._next_tick) // interval * interval
            self._evaluate(self._next_tick)
            self._next_tick += interval

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
        if self.on_trip is not None:
            for key, trip in current.items():
                if key not in self._tripped:
                    self.on_trip(trip.guard)
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


def quiet_horizon_seconds(slos: SloRules, guards: SpendGuardRules) -> float:
    """Event time after the newest observation beyond which no alert can start or keep
    firing: an SLO alert needs its short window to hold bad events, a spend trip its
    window to hold spend. One minute more covers bucket alignment."""
    minutes = [short_minutes(w) for slo in slos.slos for w in (*slo.page, *slo.ticket)]
    minutes += [guard.window_minutes for guard in guards.guards]
    return (max(minutes, default=0) + 1) * 60.0
