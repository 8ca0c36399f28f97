"""`kind: spend_guard` — emergency thresholds on dollar and token burn rate."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sentinel.delivery.config import Webhook
from sentinel.rules.base import RulesFile, Strict
from sentinel.values import LabelName


class SpendGuardRule(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    by: list[LabelName] = Field(default_factory=lambda: list[LabelName](["service"]))
    window_minutes: int = Field(
        default=10, ge=1, le=1440, description="Trailing event-time window of the burn rate."
    )
    max_usd_per_hour: float | None = Field(default=None, gt=0)
    max_tokens_per_minute: float | None = Field(default=None, gt=0)
    max_ratio_to_trailing_day: float | None = Field(
        default=None,
        gt=1,
        description="Trip when the window's rate exceeds this multiple of the trailing "
        "24 h average rate (e.g. 3.0).",
    )
    min_baseline_usd_per_hour: float = Field(
        default=1.0,
        ge=0,
        description="The ratio check applies only above this trailing-day rate.",
    )

    @model_validator(mode="after")
    def _some_threshold(self) -> SpendGuardRule:
        if (
            self.max_usd_per_hour is None
            and self.max_tokens_per_minute is None
            and self.max_ratio_to_trailing_day is None
        ):
            raise ValueError(
                "set max_usd_per_hour, max_tokens_per_minute or max_ratio_to_trailing_day"
            )
        return self


class SpendGuardRules(RulesFile):
    kind: Literal["spend_guard"]
    guards: list[SpendGuardRule] = Field(default_factory=list)
    throttle_webhook: Webhook | None = Field(
        default=None, description="Circuit breaker called on trip and on release."
    )
