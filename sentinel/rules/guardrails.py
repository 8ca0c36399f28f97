"""`kind: guardrails` — which filters run, in what order, within what budget."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sentinel.rules.base import RulesFile

ReviewAction = Literal["flag", "redact", "escalate", "block"]


class GuardrailRules(RulesFile):
    kind: Literal["guardrails"]
    filters: list[str] = Field(
        default_factory=lambda: ["pii", "content", "hallucination"],
        description="Filters to run, in order. Unknown names stop the start.",
    )
    max_scan_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        description="Characters scanned per exchange; the rest is reported as skipped.",
    )
    max_scan_seconds: float = Field(
        default=1.0, gt=0, le=60, description="Time budget per exchange for all filters."
    )
    on_error: Literal["open", "closed"] = Field(
        default="open",
        description="A filter that raises: allow the exchange (open) or block it (closed).",
    )
    stop_on_block: bool = True
    review_actions: list[ReviewAction] = Field(
        default_factory=lambda: list[ReviewAction](["escalate"]),
        description="Verdict actions whose exchanges also go to the review topic.",
    )
    max_findings_per_record: int = Field(
        default=100,  # ~20 KB of findings: a record far below any topic's size limit
        ge=1,
        le=10_000,
        description=(
            "Findings a verdict or review record carries at most: the most severe actions "
            "first; the rest are counted in the record's findings_omitted. The verdict's "
            "action and the findings metrics count every finding."
        ),
    )
