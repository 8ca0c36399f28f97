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
    allow: AllowLists = AllowLists()
