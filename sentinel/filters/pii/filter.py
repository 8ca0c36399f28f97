"""The pii filter (placeholder until its detectors land: finds nothing)."""

from __future__ import annotations

from sentinel.events.exchange import Exchange
from sentinel.filters.base import Filter, Finding, Scan
from sentinel.filters.pii.config import PiiRules


class PiiFilter(Filter):
    name = "pii"

    def __init__(self, rules: PiiRules) -> None:
        self.rules = rules

    @classmethod
    def from_rules(cls, rules: PiiRules) -> PiiFilter:
        return cls(rules)

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        return []
