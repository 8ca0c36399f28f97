"""The alert book: which alerts fire now, and every alert the run has raised.

Pure and driven by event time: the caller says when (`at`, POSIX seconds of event time) an
alert started or ended, so a replay of a recorded day raises and resolves exactly what the
live run did. The book does no I/O; its listeners (notifiers, the firing gauge) are told
every transition, and each transition is told once:

- raising an alert that already fires does nothing (its first `starts_at` stays);
- resolving an alert that does not fire does nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from sentinel.alerting.model import Alert, AlertSeverity, rfc3339

log = structlog.get_logger("sentinel.alerting")

# Alerts kept for the report. A long-running process raises far fewer; the bound only
# keeps a flapping alert from growing memory without limit.
DEFAULT_MAX_HISTORY = 10_000


class AlertListener(Protocol):
    """Told every transition: a firing alert (`ends_at is None`) or a resolved one.

    Called on the caller's thread: it must return quickly and should not raise."""

    def notify(self, alert: Alert) -> None: ...


@dataclass
class _Entry:
    alert: Alert


class AlertBook:
    """The active set and the history of alerts, told to listeners as they change."""

    def __init__(
        self,
        listeners: Sequence[AlertListener] = (),
        max_history: int = DEFAULT_MAX_HISTORY,
    ) -> None:
        self._listeners = list(listeners)
        self._firing: dict[str, _Entry] = {}
        self._history: deque[_Entry] = deque(maxlen=max_history)
        self.history_dropped = 0

    def add_listener(self, listener: AlertListener) -> None:
        self._listeners.append(listener)

    def raise_(self, alert: Alert) -> bool:
        """Start `alert` (at `alert.starts_at`); False if it already fires."""
        if not alert.firing:
            raise ValueError(f"raise_: alert `{alert.name}` has ends_at set; use resolve()")
        fingerprint = alert.fingerprint
        if fingerprint in self._firing:
            return False
        entry = _Entry(alert)
        self._firing[fingerprint] = entry
        if len(self._history) == self._history.maxlen:
            self.history_dropped += 1
        self._history.append(entry)
        self._emit(alert)
        return True

    def resolve(
        self,
        name: str,
        labels: Mapping[str, str],
        at: float,
        severity: AlertSeverity | None = None,
    ) -> list[Alert]:
        """End the firing alerts with this name and labels (of any severity unless one is
        given) at event time `at`; returns the alerts resolved (empty if none fired)."""
        wanted = dict(labels)
        matches = [
            fingerprint
            for fingerprint, entry in self._firing.items()
            if entry.alert.name == name
            and entry.alert.labels == wanted
            and severity in (None, entry.alert.severity)
        ]
        return [self._resolve(fingerprint, at) for fingerprint in matches]

    def sync(self, active: Iterable[Alert], at: float, names: Collection[str]) -> None:
        """Make the book agree with `active`, the alerts that hold at event time `at`.

        New ones are raised; firing alerts named in `names` (the alert names this caller
        owns) but missing from `active` are resolved at `at`. Several producers (SLOs,
        spend guards) can so each sync their own alerts without ending the others'."""
        seen: set[str] = set()
        for alert in active:
            seen.add(alert.fingerprint)
            self.raise_(alert)
        for fingerprint, entry in list(self._firing.items()):
            if fingerprint not in seen and entry.alert.name in names:
                self._resolve(fingerprint, at)

    @property
    def active(self) -> list[Alert]:
        """Firing alerts, oldest first."""
        return [entry.alert for entry in self._firing.values()]

    @property
    def history(self) -> list[Alert]:
        """Every alert raised (the last `max_history`), resolved ones with their `ends_at`."""
        return [entry.alert for entry in self._history]

    def report(self) -> list[dict[str, Any]]:
        """The history as JSON-ready records for `replay --report json`."""
        return [
            {
                "name": a.name,
                "severity": a.severity,
                "labels": dict(sorted(a.labels.items())),
                "starts_at": rfc3339(a.starts_at),
                "ends_at": None if a.ends_at is None else rfc3339(a.ends_at),
            }
            for a in self.history
        ]

    def _resolve(self, fingerprint: str, at: float) -> Alert:
        entry = self._firing.pop(fingerprint)
        entry.alert = entry.alert.resolved(at)
        self._emit(entry.alert)
        return entry.alert

    def _emit(self, alert: Alert) -> None:
        for listener in self._listeners:
            try:
                listener.notify(alert)
            except Exception as exc:  # a listener must never stop the consume loop
                log.error(
                    "alert_listener_failed",
                    listener=type(listener).__name__,
                    alertname=alert.name,
                    error=type(exc).__name__,
                )
