"""The one webhook config model and the one retry policy, shared by every rules kind that
sends HTTP (`kind: alerting` receivers, `kind: rollback` actions, `kind: spend_guard`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sentinel.rules.base import Strict

HttpUrl = Annotated[
    str,
    Field(
        pattern=r"^https?://[^\s/@]+(/\S*)?$",
        max_length=2048,
        description="http:// or https:// URL (no credentials in the URL: use `headers`).",
    ),
]


class Endpoint(Strict):
    """Where to POST, and with which extra headers."""

    url: HttpUrl
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Extra HTTP headers. `${VAR}` in a value is replaced by the environment "
        "variable VAR when sentinel starts (keep tokens out of rules files); an unset one "
        "stops the start.",
    )


class Webhook(Endpoint):
    """An endpoint that is POSTed one JSON document per event (a rollback decision, a
    throttle call), with a bounded number of attempts."""

    timeout_seconds: float = Field(default=5.0, gt=0, le=60, description="Per request.")
    max_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Tries per document; a 4xx other than 408, 425 or 429 is not retried.",
    )


class OptionalWebhook(Webhook):
    """A webhook that may be left off: no `url`, no calls."""

    url: HttpUrl | None = Field(  # type: ignore[assignment]  # the one field made optional
        default=None, description="POSTed a JSON document; none = off."
    )


class RetryPolicy(Strict):
    """Exponential backoff between failed requests to one receiver: the n-th consecutive
    failure waits initial_seconds x multiplier^(n-1), capped at max_seconds, then
    shortened by up to jitter_ratio of it (so replicas spread their retries)."""

    initial_seconds: float = Field(default=1.0, gt=0, le=600)
    max_seconds: float = Field(default=60.0, gt=0, le=3600)
    multiplier: float = Field(default=2.0, ge=1, le=10)
    jitter_ratio: float = Field(
        default=0.2, ge=0, le=1, description="Each delay is shortened by up to this fraction."
    )

    @model_validator(mode="after")
    def _ordered(self) -> RetryPolicy:
        if self.max_seconds < self.initial_seconds:
            raise ValueError("max_seconds must be >= initial_seconds")
        return self


# Documents (decisions, throttle calls) keep the schedule they always had: 1 s, 2 s, 4 s, …
# without jitter; 256 s is the wait before a 10th attempt, the most `max_attempts` allows.
DOCUMENT_RETRY = RetryPolicy(initial_seconds=1.0, max_seconds=256.0, multiplier=2.0, jitter_ratio=0)
