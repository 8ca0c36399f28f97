"""Alerts as sentinel raises them: stable labels, no user content, event-time bounds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

# How urgently people are told (routing in Alertmanager), not a finding's `Severity`.
AlertSeverity = Literal["page", "ticket", "critical", "info"]


def rfc3339(seconds: float) -> str:
    """POSIX seconds as RFC 3339 UTC with milliseconds: `2026-11-02T09:00:00.000Z`."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass(frozen=True)
class Alert:
    """One alert instance. `labels` identify it (and give the fingerprint); they come from
    bounded sets (SLO names, label allow-lists), never from event content."""

    name: str
    severity: AlertSeverity
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)  # summary, runbook_url, ...
    starts_at: float = 0.0  # event time, POSIX seconds
    ends_at: float | None = None  # None while firing

    @property
    def all_labels(self) -> dict[str, str]:
        return {"alertname": self.name, "severity": self.severity, **self.labels}

    @property
    def fingerprint(self) -> str:
        text = "\x00".join(f"{k}={v}" for k, v in sorted(self.all_labels.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def firing(self) -> bool:
        return self.ends_at is None

    def resolved(self, at: float) -> Alert:
        """This alert, resolved at event time `at` (never before it started)."""
        return replace(self, ends_at=max(at, self.starts_at))
