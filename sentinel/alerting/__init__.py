"""Alerts: the book that raises and resolves them in event time, and their delivery to
Alertmanager (API v2) and generic JSON webhooks. See docs/alerting.md."""

from sentinel.alerting.book import AlertBook, AlertListener
from sentinel.alerting.build import HEALTH_CHECK_PREFIX, Alerting, build_alerting
from sentinel.alerting.config import (
    AlertingRules,
    AlertmanagerReceiver,
    RetrySettings,
    WebhookReceiver,
)
from sentinel.alerting.delivery import DeliverySettings, Notifier, backoff_seconds
from sentinel.alerting.encode import (
    WEBHOOK_VERSION,
    AlertmanagerEncoder,
    Decoration,
    WebhookEncoder,
)
from sentinel.alerting.metrics import AlertMetrics
from sentinel.alerting.model import Alert, AlertSeverity, rfc3339
from sentinel.alerting.notifiers import AlertmanagerNotifier, WebhookNotifier
from sentinel.alerting.transport import DeliveryError, Transport, post_json

__all__ = [
    "HEALTH_CHECK_PREFIX",
    "WEBHOOK_VERSION",
    "Alert",
    "AlertBook",
    "AlertListener",
    "AlertMetrics",
    "AlertSeverity",
    "Alerting",
    "AlertingRules",
    "AlertmanagerEncoder",
    "AlertmanagerNotifier",
    "AlertmanagerReceiver",
    "Decoration",
    "DeliveryError",
    "DeliverySettings",
    "Notifier",
    "RetrySettings",
    "Transport",
    "WebhookEncoder",
    "WebhookNotifier",
    "WebhookReceiver",
    "backoff_seconds",
    "build_alerting",
    "post_json",
    "rfc3339",
]
