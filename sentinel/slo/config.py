"""`kind: slos` — objectives over SLIs, with multiwindow multi-burn-rate alerting."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sentinel.rules.base import RulesFile, Strict
from sentinel.rules.labels import LABEL_DIMENSIONS
from sentinel.values import LabelName


class SliRule(Strict):
    kind: Literal[
        "latency",
        "ttft",
        "errors",
        "hallucination",
        "pii_leak",
        "injection",
        "injection_followed",
        "blocked",
        "cost",
    ]
    threshold: float | None = Field(
        default=None,
        ge=0,
        description="Milliseconds for latency/ttft, USD for cost; for hallucination an "
        "optional groundedness risk (0-1) at or above which an answer counts as bad (unset: "
        "any hallucination finding); unused otherwise.",
    )

    @model_validator(mode="after")
    def _threshold_when_needed(self) -> SliRule:
        if self.kind in ("latency", "ttft", "cost") and self.threshold is None:
            raise ValueError(f"threshold: required for sli kind `{self.kind}`")
        if self.kind == "hallucination" and self.threshold is not None and self.threshold > 1:
            raise ValueError("threshold: a hallucination risk is between 0 and 1")
        return self


class BurnWindow(Strict):
    """Alert when the long window AND its short window (1/12 of it) burn faster than the
    rate that would spend `budget_share` of the period's error budget in `long_minutes`."""

    long_minutes: int = Field(ge=12, le=60 * 24 * 7)
    budget_share: float = Field(gt=0, le=1)


def _page() -> list[BurnWindow]:
    # The SRE workbook's pairs: 2 % of a 30-day budget in 1 h, 5 % in 6 h.
    return [
        BurnWindow(long_minutes=60, budget_share=0.02),
        BurnWindow(long_minutes=360, budget_share=0.05),
    ]


def _ticket() -> list[BurnWindow]:
    # 10 % in 1 day, 10 % in 3 days.
    return [
        BurnWindow(long_minutes=1440, budget_share=0.10),
        BurnWindow(long_minutes=4320, budget_share=0.10),
    ]


class Slo(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    description: str = ""
    sli: SliRule
    objective: float = Field(gt=0, lt=1, description="Good-event ratio, e.g. 0.99.")
    period_days: int = Field(default=30, ge=1, le=90)
    by: list[LabelName] = Field(
        default_factory=list, description="Evaluate per value of these (bounded) labels."
    )
    match: dict[LabelName, list[str]] = Field(
        default_factory=dict, description="Only exchanges whose labels are in these lists."
    )
    page: list[BurnWindow] = Field(default_factory=_page)
    ticket: list[BurnWindow] = Field(default_factory=_ticket)
    runbook: str | None = Field(default=None, description="Runbook URL; default: docs page.")

    @model_validator(mode="after")
    def _by_in_dimensions(self) -> Slo:
        for label in self.by:
            assert label in LABEL_DIMENSIONS
        return self


class SloRules(RulesFile):
    kind: Literal["slos"]
    evaluation_interval_seconds: int = Field(
        default=30, ge=5, le=600, description="Event-time interval between evaluations."
    )
    runbook_base_url: str = Field(
        default="https://github.com/sentinel-llm/sentinel/blob/main/docs/runbooks",
        description="runbook_url = <base>/<AlertName>.md unless an SLO gives its own.",
    )
    keep_firing_for_seconds: float = Field(
        default=600,
        ge=0,
        le=7 * 86400,
        description="Once firing, an alert keeps firing while its long window still burns "
        "over the factor, and resolves only after the long window has stayed under it for "
        "this long (event time), as Prometheus' keep_firing_for: a dip of the short window "
        "neither resolves nor re-pages it.",
    )
    slos: list[Slo] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> SloRules:
        names = [s.name for s in self.slos]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise ValueError(f"slos[{index}].name: `{name}` is defined twice")
        return self
