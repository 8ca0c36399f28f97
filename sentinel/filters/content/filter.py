"""The content filter (placeholder until its detectors land: finds nothing)."""

from __future__ import annotations

from sentinel.events.exchange import Exchange
from sentinel.filters.base import Filter, Finding, Scan
from sentinel.filters.content.config import ContentRules


class ContentFilter(Filter):
    name = "content"

    def __init__(self, rules: ContentRules) -> None:
        self.rules = rules

    @classmethod
    def from_rules(cls, rules: ContentRules) -> ContentFilter:
        return cls(rules)

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        return []
