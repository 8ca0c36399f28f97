"""Outbound delivery: the one way sentinel tells the world over HTTP.

One transport (`HttpTransport`, httpx), one retry and backoff policy (`RetryPolicy`,
tenacity), one webhook config model (`Endpoint` / `Webhook`), one way to report outcomes
and health (`DeliveryReport`). Alert receivers (`sentinel.alerting`), rollback decisions
and spend-guard throttle calls (`DocumentSender`) all go through it. See docs/alerting.md.
"""

from sentinel.delivery.config import (
    DOCUMENT_RETRY,
    Endpoint,
    HttpUrl,
    OptionalWebhook,
    RetryPolicy,
    Webhook,
)
from sentinel.delivery.documents import DocumentSender
from sentinel.delivery.policy import Backoff, retryable, retrying
from sentinel.delivery.report import (
    NO_REPORT,
    CountResult,
    DeliveryReport,
    ReportHealth,
    Result,
    health_check,
)
from sentinel.delivery.transport import DeliveryError, HttpTransport, Transport

__all__ = [
    "DOCUMENT_RETRY",
    "NO_REPORT",
    "Backoff",
    "CountResult",
    "DeliveryError",
    "DeliveryReport",
    "DocumentSender",
    "Endpoint",
    "HttpTransport",
    "HttpUrl",
    "OptionalWebhook",
    "ReportHealth",
    "Result",
    "RetryPolicy",
    "Transport",
    "Webhook",
    "health_check",
    "retryable",
    "retrying",
]
