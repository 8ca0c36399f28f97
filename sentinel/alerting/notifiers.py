"""The two receivers sentinel speaks to: the same `Notifier`, two encoders."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping

from sentinel.alerting.delivery import DeliverySettings, Notifier
from sentinel.alerting.encode import AlertmanagerEncoder, Decoration, WebhookEncoder
from sentinel.delivery import NO_REPORT, DeliveryReport, Transport


class AlertmanagerNotifier(Notifier):
    """One Alertmanager replica (`url` is its base URL; `/api/v2/alerts` is appended).

    Sends transitions at once, re-sends firing alerts every resend interval with
    endsAt = now + 3 x that interval, and re-sends resolved alerts (endsAt = resolution
    time) for `resolved_resend_seconds`. Requires a resend interval."""

    def __init__(
        self,
        name: str,
        url: str,
        settings: DeliverySettings,
        decoration: Decoration | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        report: DeliveryReport = NO_REPORT,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        if settings.resend_interval_seconds is None:
            raise ValueError(f"alertmanager receiver `{name}`: a resend interval is required")
        super().__init__(
            name,
            url,
            AlertmanagerEncoder(decoration or Decoration(), settings.resend_interval_seconds),
            settings,
            headers=headers,
            report=report,
            transport=transport,
            clock=clock,
            rng=rng,
        )


class WebhookNotifier(Notifier):
    """A generic JSON webhook: one `sentinel.alert.v1` POST per alert notification
    (transitions; also resends when `settings.resend_interval_seconds` is set)."""

    def __init__(
        self,
        name: str,
        url: str,
        settings: DeliverySettings,
        decoration: Decoration | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        report: DeliveryReport = NO_REPORT,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(
            name,
            url,
            WebhookEncoder(decoration or Decoration()),
            settings,
            headers=headers,
            report=report,
            transport=transport,
            clock=clock,
            rng=rng,
        )
