"""`kind: labels` — bounds on metric label values (cardinality guard)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sentinel.rules.base import RulesFile, Strict

LABEL_DIMENSIONS = ("service", "endpoint", "feature", "model", "variant")


class AllowLists(Strict):
    service: list[str] | None = None
    endpoint: list[str] | None = None
    feature: list[str] | None = None
    model: list[str] | None = None
    variant: list[str] | None = None


class LabelRules(RulesFile):
    kind: Literal["labels"]
    max_values_per_label: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="Without an allow-list, the first N distinct values seen are kept; "
        "later ones are reported as `other`.",
    )
    max_combinations: int = Field(
        default=40,
        ge=1,
        le=100_000,
        description="Distinct (service, endpoint, feature, model, variant) combinations "
        "kept as metric labels; later ones are folded into `other` (counted in "
        "sentinel_series_folded_total). Each combination makes about 80 series.",
    )
    max_combination_chars: int = Field(
        default=2_400,
        ge=5,
        le=10_000_000,
        description="Total characters of the kept combinations' values: with "
        "`max_combinations`, keeps a scrape of the default metrics under 1 MB.",
    )
    allow: AllowLists = AllowLists()
