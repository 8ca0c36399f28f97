"""`kind: alerting` — where alerts go and how often they are re-sent.

Every field has a default. With no receiver listed, delivery is disabled but alerts are
still recorded (the `AlertBook`, the firing gauge and the replay report).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sentinel.delivery.config import Endpoint, RetryPolicy
from sentinel.rules.base import RulesFile

ReceiverName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]
LabelName = Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")]
RESERVED_LABELS = frozenset({"alertname", "severity"})


class _Receiver(Endpoint):
    name: ReceiverName | None = Field(
        default=None,
        description="Value of the `receiver` metric label; defaults to `<kind>-<index>`.",
    )


class AlertmanagerReceiver(_Receiver):
    """One Alertmanager replica: its base URL (`/api/v2/alerts` is appended)."""


class WebhookReceiver(_Receiver):
    """A generic JSON webhook: one POST of `sentinel.alert.v1` per alert notification."""

    resend: bool = Field(
        default=False,
        description="Also re-send firing (and recently resolved) alerts every "
        "`resend_interval_seconds`, as for Alertmanager. Off: transitions only.",
    )


RetrySettings = RetryPolicy  # the one retry policy (`retry:` keys unchanged)


class AlertingRules(RulesFile):
    kind: Literal["alerting"]
    alertmanager: list[AlertmanagerReceiver] = Field(
        default_factory=list, description="Alertmanager replicas; every one gets every alert."
    )
    webhooks: list[WebhookReceiver] = Field(default_factory=list)
    resend_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Firing alerts are re-sent this often, with endsAt = now + 3 x this, so "
        "Alertmanager resolves them by itself if sentinel stops sending.",
    )
    resolved_resend_seconds: float = Field(
        default=900.0, ge=0, le=86_400, description="How long resolved alerts keep being sent."
    )
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_queue: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="Alerts waiting per receiver (latest state per alert); beyond it the "
        "oldest is dropped and counted.",
    )
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    unhealthy_after_failures: int = Field(
        default=3, ge=1, le=1000, description="Consecutive failures before /readyz says so."
    )
    # `${VAR}` in a value is read from the environment at start, like headers (e.g. the pod
    # name, which keeps several sentinel replicas' alerts apart): see build.py.
    external_labels: dict[LabelName, str] = Field(
        default_factory=dict,
        description="Added to every alert's labels (e.g. cluster); an alert's own label wins.",
    )
    runbook_base_url: str = Field(
        default="",
        max_length=2048,
        description="runbook_url annotation = this + alertname, unless the alert sets one. "
        "End it with `/` or `#`.",
    )
    generator_url: str = Field(
        default="", max_length=2048, description="Sent as generatorURL (e.g. a dashboard)."
    )

    @model_validator(mode="after")
    def _check(self) -> AlertingRules:
        reserved = RESERVED_LABELS & set(self.external_labels)
        if reserved:
            raise ValueError(
                f"external_labels: `{sorted(reserved)[0]}` is set by each alert, not here"
            )
        names: set[str] = set()
        for name, _ in self.receivers():
            if name in names:
                raise ValueError(f"receiver name `{name}` is used twice")
            names.add(name)
        return self

    def receivers(self) -> list[tuple[str, AlertmanagerReceiver | WebhookReceiver]]:
        """Every receiver with its metric name (`alertmanager-0`, `webhook-1`, or its own)."""
        named: list[tuple[str, AlertmanagerReceiver | WebhookReceiver]] = [
            (r.name or f"alertmanager-{i}", r) for i, r in enumerate(self.alertmanager)
        ]
        named += [(r.name or f"webhook-{i}", r) for i, r in enumerate(self.webhooks)]
        return named

    @property
    def delivery_enabled(self) -> bool:
        return bool(self.alertmanager or self.webhooks)
