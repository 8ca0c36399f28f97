"""Spend guard: trip on a dollar or token burn rate over an emergency threshold.

Evaluated at the same event-time ticks as the SLOs. A trip raises a critical alert and a
`throttle` call to the circuit-breaker webhook; when the rate falls back, the alert
resolves and a `release` call follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sentinel.alerting.model import Alert
from sentinel.guard.config import SpendGuardRule, SpendGuardRules
from sentinel.slo.engine import Emit
from sentinel.state.cells import CellKey, bucket_start
from sentinel.track.windowed_rate import WindowSums
from sentinel.values import Accounted, label_key

ALERT_NAME = "SentinelSpendBurn"
FAMILY = "spend"
_DAY_MINUTES = 1440
_MINUTE, _HOUR = 60.0, 3600.0


@dataclass(frozen=True)
class Trip:
    guard: str
    labels: dict[str, str]
    usd_per_hour: float
    tokens_per_minute: float
    trailing_day_usd_per_hour: float
    reason: str
    at: float

    def payload(self, action: str) -> dict[str, Any]:
        """The documented circuit-breaker payload (docs/alerting.md)."""
        return {
            "version": "sentinel.throttle.v1",
            "action": action,
            "guard": self.guard,
            "labels": self.labels,
            "usd_per_hour": round(self.usd_per_hour, 6),
            "tokens_per_minute": round(self.tokens_per_minute, 3),
            "trailing_day_usd_per_hour": round(self.trailing_day_usd_per_hour, 6),
            "reason": self.reason,
            "at": self.at,
        }


@dataclass
class _Guard:
    rule: SpendGuardRule
    series: dict[tuple[str, ...], WindowSums] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key = label_key(self.rule.by)


class SpendGuard:
    def __init__(self, rules: SpendGuardRules, runbook_base_url: str) -> None:
        self._guards = [_Guard(rule) for rule in rules.guards]
        self._runbook = f"{runbook_base_url}/{ALERT_NAME}.md"

    def observe(self, item: Accounted) -> None:
        """Count one exchange here (a single process with no shared state)."""
        self.cells(item, self._add_now)

    def _add_now(self, key: CellKey, event_time: float, usd: float, tokens: float) -> None:
        self.add(key[1], key[2], event_time, usd, tokens)

    def cells(self, item: Accounted, emit: Emit) -> None:
        """`emit((spend, guard index, series labels), event_time, usd, tokens)` per guard."""
        tokens = item.tokens.input + item.tokens.output
        usd = item.cost.total
        if not usd and not tokens:
            return
        for index, guard in enumerate(self._guards):
            key = guard.key(item.labels)
            emit((FAMILY, index, key), item.event_time, usd, float(tokens))

    def add(
        self, index: int, key: tuple[str, ...], event_time: float, usd: float, tokens: float
    ) -> None:
        if index >= len(self._guards):
            return  # a state record of other rules (a rolling upgrade): not ours
        guard = self._guards[index]
        sums = guard.series.get(key)
        if sums is None:
            sums = guard.series[key] = WindowSums(60, [guard.rule.window_minutes, _DAY_MINUTES])
        sums.add(event_time, usd, tokens)

    def add_bucket(
        self, index: int, key: tuple[str, ...], bucket: int, usd: float, tokens: float
    ) -> None:
        self.add(index, key, bucket_start(bucket), usd, tokens)

    def readings_at(self, tick: float) -> list[Trip]:
        """Every series' current rates; `reason` is empty when under every threshold."""
        trips = []
        for guard in self._guards:
            rule = guard.rule
            for key, sums in guard.series.items():
                sums.advance(tick - 1e-9)
                usd_per_hour = sums.rates(rule.window_minutes, _HOUR)[0]
                tokens_per_minute = sums.rates(rule.window_minutes, _MINUTE)[1]
                baseline = sums.rates(_DAY_MINUTES, _HOUR)[0]
                reason = _reason(rule, usd_per_hour, tokens_per_minute, baseline) or ""
                labels: dict[str, str] = dict(zip(rule.by, key, strict=True))
                trips.append(
                    Trip(rule.name, labels, usd_per_hour, tokens_per_minute, baseline, reason, tick)
                )
        return trips

    def alert(self, trip: Trip) -> Alert:
        return Alert(
            name=ALERT_NAME,
            severity="critical",
            labels={"guard": trip.guard, **trip.labels},
            annotations={
                "summary": f"Spend guard {trip.guard} tripped: {trip.reason}",
                "runbook_url": self._runbook,
            },
            starts_at=trip.at,
        )


def _reason(
    rule: SpendGuardRule, usd_per_hour: float, tokens_per_minute: float, baseline: float
) -> str | None:
    if rule.max_usd_per_hour is not None and usd_per_hour > rule.max_usd_per_hour:
        return f"${usd_per_hour:.2f}/h over ${rule.max_usd_per_hour:g}/h"
    if rule.max_tokens_per_minute is not None and tokens_per_minute > rule.max_tokens_per_minute:
        return f"{tokens_per_minute:.0f} tokens/min over {rule.max_tokens_per_minute:g}"
    ratio = rule.max_ratio_to_trailing_day
    if (
        ratio is not None
        and baseline >= rule.min_baseline_usd_per_hour
        and usd_per_hour > ratio * baseline
    ):
        return f"${usd_per_hour:.2f}/h is over {ratio:g}x the trailing-day ${baseline:.2f}/h"
    return None
