"""`kind: pricing` — per-model prices in USD per 1M tokens."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sentinel.rules.base import RulesFile, Strict

UsdPerMillion = Annotated[float, Field(ge=0, le=10_000)]

# How providers and instrumentations decorate a model name, stripped one at a time until a
# price matches: `openai/gpt-4o` (gateways, LiteLLM), `models/gemini-2.5-pro` (Gemini API),
# `us.anthropic.claude-…` (Bedrock: region, then provider), `…-v1:0` (Bedrock version),
# `…@20240620` (Vertex), `…-2025-04-14` and `…-20250929` (dated snapshots), `…-001`,
# `…-latest`.
_PREFIX = re.compile(r"^(?:[^/]*/|[a-z]+\.)")  # `provider/` or an alphabetic `provider.`
_SUFFIX = re.compile(r"(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3}|latest)|-v\d+(?::\d+)?|:\d+)$")


def name_candidates(model: str) -> list[str]:
    """`model`, then the names left by stripping provider prefixes and version suffixes,
    one decoration at a time (most specific first)."""
    names = [model]
    name = model.strip().lower()
    while True:
        if name not in names:
            names.append(name)
        stripped = _PREFIX.sub("", name, count=1)
        if stripped == name:
            stripped = _SUFFIX.sub("", name, count=1)
        if stripped == name or not stripped:
            return names
        name = stripped


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
        """For the name as given, then with its provider prefixes and date or version
        suffixes stripped one at a time (`name_candidates`): exact name first, then the first
        glob that matches."""
        for name in name_candidates(model):
            for price in self.models:
                if price.model == name:
                    return price
            for price in self.models:
                if any(fnmatchcase(name, pattern) for pattern in price.match):
                    return price
        return None
