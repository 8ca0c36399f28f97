"""Event-time monitors: SLO burn rates, spend guards and (when configured) canary gates.

They are evaluated at fixed ticks of event time (`evaluation_interval_seconds`), never at
batch boundaries, so a replay of a recorded day raises the same alerts at the same event
times as the live run did. The evaluators return typed results (`SloBurn`,
`SpendReading`); the monitor turns them into alerts (`monitor_outputs`, the alert book),
throttle calls and rollback triggers (canary SLO pages reach rollback as `SloBurn`s).

Two ways to feed them. Shared (what `sentinel run` and `replay` do): `cells` classifies an
exchange into additive cells that go to its partition's state, the global view folds every
partition's state and hands the differences to `add`, and `follow` evaluates each tick once
the minutes it reads are complete in every partition. Local (unit tests): `observe` counts
at once and `advance` evaluates the ticks a watermark has passed.

An SLO alert starts when a long window and its short window both burn over the factor; it
then holds while the long window still does, and resolves only after `keep_firing_for`
seconds of event time without that (a short-window dip neither resolves nor re-pages it).

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

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

from sentinel.alerting.book import AlertBook
from sentinel.alerting.model import Alert
from sentinel.guard.config import SpendGuardRules
from sentinel.guard.spend import FAMILY as SPEND
from sentinel.guard.spend import SpendGuard, SpendReading
from sentinel.monitor_outputs import slo_alert, spend_alert, throttle_payload
from sentinel.observers import BatchEnd, Observer
from sentinel.rollback.engine import CANARY, GATE, RollbackEngine
from sentinel.slo.config import SloRules
from sentinel.slo.engine import FAMILY as SLO
from sentinel.slo.engine import AlertKey, Emit, SloBurn, SloEngine, short_minutes
from sentinel.state.cells import bucket_of, bucket_start
from sentinel.telemetry.names import SLO_BURN_ALERT, SPEND_BURN_ALERT
from sentinel.values import Accounted, Verdict

# One firing SLO alert: the result that started it, the event time it last held, its alert.
_Firing = tuple[SloBurn, float, Alert]


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
        keep_firing_for_seconds: float = 0.0,
    ) -> None:
        """`horizon_seconds`: after this much event time without observations, nothing
        can start firing (`quiet_horizon_seconds`); a day when not given. `followers` see
        each exchange just before the monitors do, in the monitors' order. `on_trip`
        is told the guard name of every new spend-guard trip (the trips counter)."""
        self.slo = slo
        self.guard = guard
        self.book = book
        self.interval = interval_seconds
        self.evaluations = 0  # ticks evaluated (quiet stretches are jumped, not evaluated)
        self.throttle = throttle
        self.rollback = rollback
        self._next_tick: float | None = None
        self._horizon = horizon_seconds if horizon_seconds is not None else 86_400.0
        self._observed: list[int] = []  # minutes holding observations, sorted
        holds = [w.long_minutes for x in slo.rules.slos for w in (*x.page, *x.ticket)]
        self._hold_horizon = max(
            self._horizon, (max(holds, default=0) + 1) * 60.0 + keep_firing_for_seconds
        )
        self._tripped: dict[tuple[str, tuple[tuple[str, str], ...]], SpendReading] = {}
        self._runbook_base_url = slo.rules.runbook_base_url
        self.followers = tuple(followers)
        self.on_trip = on_trip
        # From the first passed tick to the batch end: exchanges and time marks, in order.
        self._held: list[tuple[Accounted, Verdict] | float] | None = None
        # Shared (set by the pipeline that owns the partition state): exchanges reach the
        # monitors as cells through the global view, and `follow` evaluates; the observer
        # hooks then only publish the snapshot.
        self.shared = False
        self.keep_firing_for = keep_firing_for_seconds
        # SLO, urgency and series -> the firing alert (`SloBurn.key`)
        self._slo_firing: dict[AlertKey, _Firing] = {}
        self._first_bucket: int | None = None

    # -- the exchange path (observer hooks) -------------------------------------------

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        if self.shared:
            return
        if self._held is None:
            self.observe(item, verdict)
        else:
            self._held.append((item, verdict))

    def time(self, watermark: float) -> None:
        if self.shared:
            return
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

    # -- shared state -----------------------------------------------------------------

    def cells(self, item: Accounted, verdict: Verdict, emit: Emit) -> None:
        """Classify one exchange into the cells of every monitor (to its partition state);
        the followers see it here, in the monitors' order."""
        for follow in self.followers:
            follow(item, verdict)
        self.slo.cells(item, verdict, emit)
        self.guard.cells(item, emit)
        if self.rollback is not None:
            self.rollback.cells(item, verdict, emit)

    def add(
        self,
        family: str,
        index: int,
        labels: tuple[str, ...],
        bucket: int,
        first: float,
        second: float,
    ) -> None:
        """A change of the global sums (a `sentinel.state.DeltaSink`)."""
        if self._first_bucket is None or bucket < self._first_bucket:
            self._first_bucket = bucket
        self._note(bucket)
        if family == SLO:
            self.slo.add_bucket(index, labels, bucket, first, second)
        elif family == SPEND:
            self.guard.add_bucket(index, labels, bucket, first, second)
        elif family in (GATE, CANARY) and self.rollback is not None:
            self.rollback.add(family, index, labels, bucket, first, second)

    @property
    def evaluated_through(self) -> float | None:
        """The last tick evaluated (None before the first)."""
        return None if self._next_tick is None else self._next_tick - self.interval

    def follow(self, complete_until: float | None) -> None:
        """Evaluate every tick whose minutes are complete before `complete_until` (the
        global view's low watermark), starting from the earliest minute counted.
        Ticks are whole seconds (`evaluation_interval_seconds` is an integer)."""
        if complete_until is None or self._first_bucket is None:
            return
        if not math.isfinite(complete_until):  # no event time to evaluate up to
            return
        if self._next_tick is None:
            first = bucket_start(self._first_bucket)
            self._next_tick = (first // self.interval + 1) * self.interval
        # A tick reads the minute that holds it (windows end at the tick's own minute:
        # `tick - 1e-9` is the tick itself at POSIX magnitudes), so tick T waits until
        # that minute is complete: T < the start of the first incomplete minute.
        self.advance(bucket_start(bucket_of(complete_until)) - 0.5)

    # -- direct use -------------------------------------------------------------------

    def observe(self, item: Accounted, verdict: Verdict) -> None:
        for follow in self.followers:
            follow(item, verdict)
        self._note(bucket_of(item.event_time))
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
            if self._quiet(self._next_tick):
                # Every tick until the next observation evaluates the same: jump to the last.
                limit = min(watermark, self._next_observed(self._next_tick) - interval)
                if limit > self._next_tick:
                    self._next_tick += (limit - self._next_tick) // interval * interval
            self._evaluate(self._next_tick)
            self._next_tick += interval

    def _note(self, bucket: int) -> None:
        observed = self._observed
        if not observed or bucket > observed[-1]:
            observed.append(bucket)
        else:
            i = bisect.bisect_left(observed, bucket)
            if i == len(observed) or observed[i] != bucket:
                observed.insert(i, bucket)

    def _quiet(self, tick: float) -> bool:
        """No observation within the quiet horizon before `tick`."""
        observed = self._observed
        i = bisect.bisect_right(observed, bucket_of(tick)) - 1
        if i < 0:
            return True
        if i > 0:
            del observed[: i - 1]  # older minutes never matter again (ticks only move on)
            i = 1
        # A firing SLO alert holds while its long window burns, then keep_firing_for more.
        horizon = self._hold_horizon if self._slo_firing else self._horizon
        return tick > bucket_start(observed[i] + 1) + horizon + self.interval

    def _next_observed(self, tick: float) -> float:
        observed = self._observed
        i = bisect.bisect_right(observed, bucket_of(tick))
        return bucket_start(observed[i]) if i < len(observed) else float("inf")

    def _evaluate(self, tick: float) -> None:
        """Ask every evaluator for its results at `tick`; turn them into alerts (the book),
        throttle calls and rollback triggers."""
        self.evaluations += 1
        firing = self._slo_firing_at(tick)
        self.book.sync([alert for _, _, alert in firing], tick, names=(SLO_BURN_ALERT,))
        readings = self.guard.readings_at(tick)
        trips = [r for r in readings if r.tripped]
        base = self._runbook_base_url
        self.book.sync([spend_alert(t, base) for t in trips], tick, names=(SPEND_BURN_ALERT,))
        self._throttle(trips, readings)
        if self.rollback is not None:
            self.rollback.evaluate(tick)  # canary vs baseline, per gated SLI
            # the canary's own SLO pages
            self.rollback.on_slo_burns([burn for burn, _, _ in firing], tick)

    def _slo_firing_at(self, tick: float) -> list[_Firing]:
        """SLO alerts that start or hold at `tick`, and those kept for `keep_firing_for`:
        a firing alert holds while the long window of the pair that started it burns."""
        firing = self._slo_firing
        now: dict[AlertKey, _Firing] = {}
        for burn in self.slo.evaluate(tick):
            key = burn.key
            current = firing.get(key)
            if current is not None and current[0].long_minutes == burn.long_minutes:
                now[key] = (current[0], tick, current[2])
            elif current is None and burn.starts and key not in now:
                now[key] = (burn, tick, slo_alert(burn, self._runbook_base_url))
        for key, held in firing.items():
            if key not in now and tick - held[1] < self.keep_firing_for:
                now[key] = held
        self._slo_firing = now
        return list(now.values())

    def _throttle(self, trips: list[SpendReading], readings: list[SpendReading]) -> None:
        """Throttle on a new trip; release (with the current, lower rates) when it ends."""
        current = {t.series: t for t in trips}
        if self.on_trip is not None:
            for key, trip in current.items():
                if key not in self._tripped:
                    self.on_trip(trip.guard)
        if self.throttle is not None:
            for key, trip in current.items():
                if key not in self._tripped:
                    self.throttle(throttle_payload(trip, "throttle"))
            now = {r.series: r for r in readings}
            for key in self._tripped.keys() - current.keys():
                reading = now.get(key)
                if reading is not None:
                    self.throttle(throttle_payload(reading, "release"))
        self._tripped = current


def quiet_horizon_seconds(slos: SloRules, guards: SpendGuardRules) -> float:
    """Event time after the newest observation beyond which no alert can start or keep
    firing: an SLO alert needs its short window to hold bad events, a spend trip its
    window to hold spend. One minute more covers bucket alignment."""
    minutes = [short_minutes(w) for slo in slos.slos for w in (*slo.page, *slo.ticket)]
    minutes += [guard.window_minutes for guard in guards.guards]
    return (max(minutes, default=0) + 1) * 60.0
