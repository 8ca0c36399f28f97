"""Whole-run totals, overall and per model: what `sentinel replay` reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ddsketch import DDSketch

from sentinel.events.model import Feedback
from sentinel.track.quantiles import new_sketch, summarize
from sentinel.values import Accounted, Verdict

TOKEN_KINDS = ("input", "output", "cached_input", "cache_write", "reasoning")


@dataclass
class Totals:
    exchanges: int = 0  # complete exchanges and orphan responses
    timeouts: int = 0
    errors: int = 0
    retries: int = 0
    unpriced: int = 0
    tokens: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOKEN_KINDS, 0))
    _cost: float = 0.0  # Neumaier-compensated sum: exact to ~1e-15 over millions of adds
    _cost_error: float = 0.0
    latency_ms: DDSketch = field(default_factory=new_sketch)
    ttft_ms: DDSketch = field(default_factory=new_sketch)

    def add(self, item: Accounted) -> None:
        if item.outcome == "timeout":
            self.timeouts += 1
        else:
            self.exchanges += 1
            self.errors += item.outcome == "error"
            if item.latency_ms is not None:
                self.latency_ms.add(item.latency_ms)
            if item.ttft_ms is not None:
                self.ttft_ms.add(item.ttft_ms)
        self.retries += item.retries
        tokens, tally = item.tokens, self.tokens
        tally["input"] += tokens.input
        tally["output"] += tokens.output
        tally["cached_input"] += tokens.cached_input
        tally["cache_write"] += tokens.cache_write
        tally["reasoning"] += tokens.reasoning
        if item.cost.priced:
            self._add_cost(item.cost.total)
        elif tokens.input or tokens.output:
            self.unpriced += 1

    def merge(self, other: Totals) -> None:
        self.exchanges += other.exchanges
        self.timeouts += other.timeouts
        self.errors += other.errors
        self.retries += other.retries
        self.unpriced += other.unpriced
        for kind, count in other.tokens.items():
            self.tokens[kind] += count
        self._add_cost(other._cost)
        self._cost_error += other._cost_error
        self.latency_ms.merge(other.latency_ms)
        self.ttft_ms.merge(other.ttft_ms)

    def _add_cost(self, usd: float) -> None:
        total = self._cost + usd
        if abs(self._cost) >= abs(usd):
            self._cost_error += (self._cost - total) + usd
        else:
            self._cost_error += (usd - total) + self._cost
        self._cost = total

    @property
    def cost_usd(self) -> float:
        return self._cost + self._cost_error

    def report(self) -> dict[str, Any]:
        return {
            "exchanges": self.exchanges,
            "timeouts": self.timeouts,
            "latency_ms": summarize(self.latency_ms).as_dict(),
            "ttft_ms": summarize(self.ttft_ms).as_dict(),
            "tokens": dict(self.tokens),
            "cost_usd": round(self.cost_usd, 6),
            "unpriced_exchanges": self.unpriced,
            "errors": self.errors,
            "retries": self.retries,
        }


@dataclass
class FeedbackTotals:
    events: int = 0
    ratings: int = 0
    rating_sum: float = 0.0
    escalations: int = 0
    complaints: int = 0

    def add(self, feedback: Feedback) -> None:
        self.events += 1
        if feedback.rating is not None:
            self.ratings += 1
            self.rating_sum += feedback.rating
        self.escalations += feedback.escalated
        self.complaints += feedback.complaint

    def report(self) -> dict[str, Any]:
        mean = self.rating_sum / self.ratings if self.ratings else None
        return {
            "events": self.events,
            "mean_rating": mean,
            "escalations": self.escalations,
            "complaints": self.complaints,
        }


class RunTotals:
    """Per-model totals (keys are the bounded model label); the overall view is their merge,
    so each exchange is added once."""

    def __init__(self) -> None:
        self.by_model: dict[str, Totals] = {}
        self.feedback = FeedbackTotals()
        self.findings: Counter[str] = Counter()  # category -> findings
        self.actions: Counter[str] = Counter()  # verdict action -> exchanges
        self.leaks = 0
        self.partial_scans = 0
        self.failed_filters: Counter[str] = Counter()

    def add_verdict(self, verdict: Verdict) -> None:
        self.actions[verdict.action] += 1
        for finding in verdict.findings:
            self.findings[finding.category] += 1
            self.leaks += finding.leak
        self.partial_scans += not verdict.complete
        for name in verdict.failed_filters:
            self.failed_filters[name] += 1

    def add(self, item: Accounted) -> None:
        model = item.labels.model
        per_model = self.by_model.get(model)
        if per_model is None:
            per_model = self.by_model[model] = Totals()
        per_model.add(item)

    @property
    def overall(self) -> Totals:
        merged = Totals()
        for part in self.by_model.values():
            merged.merge(part)
        return merged
