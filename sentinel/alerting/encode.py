"""Two encoders for one delivery machinery: Alertmanager API v2 and the sentinel webhook.

Labels come from the alert (plus the configured external labels), annotations from the
alert (plus a runbook link); nothing is taken from event content here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sentinel.alerting.model import Alert, rfc3339

WEBHOOK_VERSION = "sentinel.alert.v1"
ALERTMANAGER_PATH = "/api/v2/alerts"
# Alertmanager resolves a firing alert by itself at endsAt: three resend intervals let two
# resends be lost before a still-firing alert flaps to resolved.
ENDS_AT_RESEND_FACTOR = 3
# Alerts per Alertmanager request: ~500 bytes each, so requests stay well under 1 MB.
ALERTMANAGER_BATCH = 500


@dataclass(frozen=True)
class Decoration:
    """What every receiver adds to an alert on the way out."""

    external_labels: Mapping[str, str] = field(default_factory=dict)
    runbook_base_url: str = ""
    generator_url: str = ""

    def labels(self, alert: Alert) -> dict[str, str]:
        return {**self.external_labels, **alert.all_labels}

    def annotations(self, alert: Alert) -> dict[str, str]:
        annotations = dict(alert.annotations)
        if self.runbook_base_url and "runbook_url" not in annotations:
            annotations["runbook_url"] = self.runbook_base_url + alert.name
        return annotations


class Encoder(Protocol):
    """Turns a batch of alert states into one request body, at wall time `now`."""

    path: str  # appended to the receiver's URL
    batch_size: int  # alerts per request

    def encode(self, alerts: Sequence[Alert], now: float) -> bytes: ...


class AlertmanagerEncoder:
    """`POST /api/v2/alerts`: a JSON list of {labels, annotations, startsAt, endsAt,
    generatorURL}.

    Firing: endsAt = now + 3 x resend interval, so Alertmanager resolves the alert by
    itself if sentinel stops re-sending it. Resolved: endsAt = the resolution's event time,
    but never later than now (an event clock ahead of the wall clock must not keep a
    resolved alert firing) and never before startsAt (Alertmanager rejects that)."""

    path = ALERTMANAGER_PATH
    batch_size = ALERTMANAGER_BATCH

    def __init__(self, decoration: Decoration, resend_interval_seconds: float) -> None:
        self._decoration = decoration
        self._firing_ttl = ENDS_AT_RESEND_FACTOR * resend_interval_seconds

    def ends_at(self, alert: Alert, now: float) -> float:
        if alert.ends_at is None:
            return max(now, alert.starts_at) + self._firing_ttl
        return max(alert.starts_at, min(alert.ends_at, now))

    def encode(self, alerts: Sequence[Alert], now: float) -> bytes:
        return _dumps([self._one(alert, now) for alert in alerts])

    def _one(self, alert: Alert, now: float) -> dict[str, Any]:
        item: dict[str, Any] = {
            "labels": self._decoration.labels(alert),
            "annotations": self._decoration.annotations(alert),
            "startsAt": rfc3339(alert.starts_at),
            "endsAt": rfc3339(self.ends_at(alert, now)),
        }
        if self._decoration.generator_url:
            item["generatorURL"] = self._decoration.generator_url
        return item


class WebhookEncoder:
    """One alert per request, documented in docs/alerting.md:

    `{"version": "sentinel.alert.v1", "status": "firing"|"resolved", "sent_at": ...,
    "alert": {fingerprint, name, severity, labels, annotations, starts_at, ends_at,
    generator_url}}` with RFC 3339 UTC times; `ends_at` is null while firing."""

    path = ""
    batch_size = 1

    def __init__(self, decoration: Decoration) -> None:
        self._decoration = decoration

    def encode(self, alerts: Sequence[Alert], now: float) -> bytes:
        (alert,) = alerts
        return _dumps(
            {
                "version": WEBHOOK_VERSION,
                "status": "firing" if alert.firing else "resolved",
                "sent_at": rfc3339(now),
                "alert": {
                    "fingerprint": alert.fingerprint,
                    "name": alert.name,
                    "severity": alert.severity,
                    "labels": self._decoration.labels(alert),
                    "annotations": self._decoration.annotations(alert),
                    "starts_at": rfc3339(alert.starts_at),
                    "ends_at": None if alert.ends_at is None else rfc3339(alert.ends_at),
                    "generator_url": self._decoration.generator_url or None,
                },
            }
        )


def _dumps(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
