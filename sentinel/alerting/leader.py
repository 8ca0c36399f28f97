"""One replica delivers what the global view decides.

Every replica evaluates the same global view and so raises the same alerts and rollback
decisions; only the leader (the replica assigned the lowest-numbered input partition, see
`sentinel.state.SharedState.leads`) hands them to receivers, and records in the state topic
the last tick it delivered. A replica that becomes leader delivers only what happens after
that tick (its catch-up over older ticks re-decides what was already delivered) and resends
every alert firing in its book. Resolutions go out from any replica (idempotent), so a
former leader's notifier stops resending an alert that ended.

Between the start of a rebalance (partitions revoked) and its end (partitions assigned)
nobody knows who will lead: a client may serve the two in separate polls, and the consume
loop runs in between. `pause` holds what would be delivered meanwhile; the next `set`
releases it, judged as leader or not by the assignment: a replica that keeps the lead
delivers it, one that loses the lead delivers only what any replica may, and one that
gains the lead drops it (the handover resends from the last delivered tick). So a
decision is never posted by the old leader after the new one has taken over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sentinel.alerting.book import AlertBook, AlertListener
from sentinel.alerting.model import Alert

_NEVER = float("-inf")


class Leadership:
    """Whether this replica delivers, and from which event time on; set by the consume
    loop between batches (and when partitions are assigned)."""

    def __init__(self) -> None:
        self._leading = False
        self._since = _NEVER  # a leader delivers what happens after this event time
        self._through = _NEVER  # what the leader says it delivered (for non-leaders)
        self._wrapped: list[LeaderOnly] = []
        self._on_lead: list[Callable[[float], None]] = []
        self._paused = False
        self._held: list[Callable[[], None]] = []  # deliveries waiting for the assignment

    def on_lead(self, callback: Callable[[float], None]) -> None:
        """`callback(since)` when this replica becomes leader: deliver what was decided
        after `since` while nobody led (a handover between batches)."""
        self._on_lead.append(callback)

    def __call__(self) -> bool:
        return self._leading and not self._paused

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """A rebalance began: hold deliveries until `set` says who leads."""
        self._paused = True

    def hold(self, delivery: Callable[[], None]) -> None:
        """Run `delivery` when the pause ends (it judges leadership then), in order."""
        self._held.append(delivery)

    def set(self, leading: bool, book: AlertBook, delivered_through: float = _NEVER) -> None:
        """`delivered_through`: the last tick the leader recorded as delivered. Ends a
        pause: what it held is delivered as this assignment says (see the module)."""
        became = leading and not self._leading
        held, self._held, self._paused = self._held, [], False
        if became:
            self._since = delivered_through
            for alert in book.active:
                for listener in self._wrapped:
                    listener.forward(alert)
        self._leading = leading
        self._through = delivered_through
        if not became:  # kept or lost the lead: judged as such; a new leader resends instead
            for delivery in held:
                delivery()
        if became:
            for callback in self._on_lead:
                try:
                    callback(delivered_through)
                except Exception:  # delivery never takes the consumer down
                    continue

    def admits(self, at: float, firing: bool) -> bool:
        """Deliver a transition (or decision) at event time `at`?"""
        if self._leading:
            return at > self._since
        return not firing and at > self._through

    def wrap(self, listener: AlertListener) -> LeaderOnly:
        wrapped = LeaderOnly(listener, self)
        self._wrapped.append(wrapped)
        return wrapped


class LeaderOnly:
    """An alert listener that passes transitions on as `Leadership.admits` says."""

    def __init__(self, listener: AlertListener, leadership: Leadership) -> None:
        self._listener = listener
        self._leadership = leadership

    def notify(self, alert: Alert) -> None:
        if self._leadership.paused:
            self._leadership.hold(lambda: self.notify(alert))
            return
        at = alert.starts_at if alert.ends_at is None else alert.ends_at
        if self._leadership.admits(at, alert.firing):
            self._listener.notify(alert)

    def forward(self, alert: Alert) -> None:
        self._listener.notify(alert)


class LeaderOnlyNotifier:
    """A rollback notifier that sends decisions only from the leader, once each."""

    def __init__(self, notifier: Any, leadership: Leadership) -> None:
        self._notifier = notifier
        self._leadership = leadership

    def send(self, document: dict[str, Any]) -> None:
        if self._leadership.paused:
            self._leadership.hold(lambda: self.send(document))
            return
        at = float(document.get("decision", {}).get("at", _NEVER))
        if self._leadership.admits(at, firing=True):
            self._notifier.send(document)

    def close(self, timeout_seconds: float = 5.0) -> bool:
        return bool(self._notifier.close(timeout_seconds))
