"""Alerts: the book that raises and resolves them in event time, and their delivery to
Alertmanager (API v2) and generic JSON webhooks, over `sentinel.delivery`. See
docs/alerting.md."""

from sentinel.alerting.book import AlertBook, AlertListener
from sentinel.alerting.build import HEALTH_CHECK_PREFIX, Alerting, build_alerting
from sentinel.alerting.config import (
    AlertingRules,
    AlertmanagerReceiver,
    RetrySettings,
    WebhookReceiver,
)
from sentinel.alerting.delivery import DeliverySettings, Notifier
from sentinel.alerting.encode import (
    WEBHOOK_VERSION,
    AlertmanagerEncoder,
    Decoration,
    WebhookEncoder,
)
from sentinel.alerting.model import Alert, AlertSeverity, rfc3339
from sentinel.alerting.notifiers import AlertmanagerNotifier, WebhookNotifier

__all__ = [
    "HEALTH_CHECK_PREFIX",
    "WEBHOOK_VERSION",
    "Alert",
    "AlertBook",
    "AlertListener",
    "AlertSeverity",
    "Alerting",
    "AlertingRules",
    "AlertmanagerEncoder",
    "AlertmanagerNotifier",
    "AlertmanagerReceiver",
    "Decoration",
    "DeliverySettings",
    "Notifier",
    "RetrySettings",
    "WebhookEncoder",
    "WebhookNotifier",
    "WebhookReceiver",
    "build_alerting",
    "rfc3339",
]
