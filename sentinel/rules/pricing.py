"""`kind: pricing` — per-model prices in USD per 1M tokens."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sentinel.rules.base import RulesFile, Strict

UsdPerMillion = Annotated[float, Field(ge=0, le=10_000)]


class ModelPrice(Strict):
    model: str = Field(min_length=1, description="Model name as events report it.")
    match: list[str] = Field(
        default_factory=list,
        description="Extra glob patterns (e.g. `gpt-4.1-mini-*`) for dated names.",
    )
    input: UsdPerMillion
    output: UsdPerMillion
    cache_read: UsdPerMillion | None = Field(
        default=None, description="Cached input tokens; defaults to the input price."
    )
    cache_write: UsdPerMillion | None = Field(
        default=None, description="Cache-write tokens; defaults to the input price."
    )
    input_includes_cached: bool | None = Field(
        default=None,
        description="Whether the provider's input_tokens already include cached and "
        "cache-write tokens (OpenTelemetry and OpenAI: yes; Anthropic's API: no). "
        "Defaults to the file's `input_includes_cached`.",
    )


class PricingRules(RulesFile):
    kind: Literal["pricing"]
    currency: Literal["USD"] = "USD"
    input_includes_cached: bool = True
    models: list[ModelPrice] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_models(self) -> PricingRules:
        seen: set[str] = set()
        for index, price in enumerate(self.models):
            if price.model in seen:
                raise ValueError(f"models[{index}].model: `{price.model}` is listed twice")
            seen.add(price.model)
        return self

    def find(self, model: str) -> ModelPrice | None:
        """Exact name first, then the first glob that matches."""
        for price in self.models:
            if price.model == model:
                return price
        for price in self.models:
            if any(fnmatchcase(model, pattern) for pattern in price.match):
                return price
        return None
