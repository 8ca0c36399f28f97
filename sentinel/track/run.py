"""What a replay reports: whole-run totals, the event-time timeline, and what the world
was told (alerts, rollback decisions, the canary gates). An observer of the exchange path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sentinel.events.model import Feedback
from sentinel.observers import Observer
from sentinel.track.timeline import Timeline
from sentinel.track.totals import RunTotals
from sentinel.values import Accounted, Labels, Verdict

Log = Callable[[], list[dict[str, Any]]]
Canary = Callable[[], dict[str, Any] | None]


def _nothing() -> list[dict[str, Any]]:
    return []


def _no_canary() -> dict[str, Any] | None:
    return None


class RunRecord(Observer):
    """Totals and timeline of one run. `alerts`, `rollbacks` and `canary` read the alert
    book, the rollback engine's decisions and its gates (given by the wiring; empty without
    monitors). With `timeline_fed_elsewhere`, the monitor feeds the timeline in its own
    order (the timeline samples SLO budgets, which must match what the monitor has seen)."""

    def __init__(
        self,
        timeline: Timeline | None = None,
        alerts: Log = _nothing,
        rollbacks: Log = _nothing,
        canary: Canary = _no_canary,
        timeline_fed_elsewhere: bool = False,
    ) -> None:
        self.totals = RunTotals()
        self.timeline = timeline or Timeline()
        self.alerts = alerts
        self.rollbacks = rollbacks
        self.canary = canary
        self._feed_timeline = not timeline_fed_elsewhere

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        self.totals.add(item)
        self.totals.add_verdict(verdict)
        if self._feed_timeline:
            self.timeline.add(item, verdict)

    def feedback(self, feedback: Feedback, labels: Labels) -> None:
        self.totals.feedback.add(feedback)
