"""The hallucination filter (placeholder until its detectors land: finds nothing)."""

from __future__ import annotations

from sentinel.events.exchange import Exchange
from sentinel.filters.base import Filter, Finding, Scan
from sentinel.filters.hallucination.config import HallucinationRules


class HallucinationFilter(Filter):
    name = "hallucination"

    def __init__(self, rules: HallucinationRules) -> None:
        self.rules = rules

    @classmethod
    def from_rules(cls, rules: HallucinationRules) -> HallucinationFilter:
        return cls(rules)

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        return []
