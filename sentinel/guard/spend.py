"""Spend guard: dollar and token burn rates against emergency thresholds.

Evaluated at the same event-time ticks as the SLOs. `readings_at` returns one
`SpendReading` per series (rates, and the threshold it breaks, if any); the monitor turns
a trip into a critical alert and a `throttle` call to the circuit-breaker webhook, and the
end of a trip into a resolution and a `release` call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sentinel.guard.config import SpendGuardRule, SpendGuardRules
from sentinel.slo.engine import Emit
from sentinel.state.cells import CellKey, bucket_start
from sentinel.track.windowed_rate import WindowSums
from sentinel.values import Accounted, label_key

FAMILY = "spend"
_DAY_MINUTES = 1440
_MINUTE, _HOUR = 60.0, 3600.0

# Which threshold a reading breaks (the first, in this order).
Breach = Literal["usd_per_hour", "tokens_per_minute", "ratio_to_trailing_day"]


@dataclass(frozen=True)
class SpendReading:
    """One guard series at event time `at`: its rates and the threshold it breaks (`breach`
    and that threshold's value, `limit`), both None when under every threshold."""

    guard: str
    labels: dict[str, str]
    usd_per_hour: float
    tokens_per_minute: float
    trailing_day_usd_per_hour: float
    at: float
    breach: Breach | None = None
    limit: float | None = None

    @property
    def tripped(self) -> bool:
        return self.breach is not None

    @property
    def series(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The guard and its labels: one trip at a time per series."""
        return self.guard, tuple(sorted(self.labels.items()))


@dataclass
class _Guard:
    rule: SpendGuardRule
    series: dict[tuple[str, ...], WindowSums] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key = label_key(self.rule.by)


class SpendGuard:
    def __init__(self, rules: SpendGuardRules) -> None:
        self._guards = [_Guard(rule) for rule in rules.guards]

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

    def readings_at(self, tick: float) -> list[SpendReading]:
        """Every series' current rates, and the threshold each breaks (if any)."""
        readings = []
        for guard in self._guards:
            rule = guard.rule
            for key, sums in guard.series.items():
                sums.advance(tick - 1e-9)
                usd_per_hour = sums.rates(rule.window_minutes, _HOUR)[0]
                tokens_per_minute = sums.rates(rule.window_minutes, _MINUTE)[1]
                baseline = sums.rates(_DAY_MINUTES, _HOUR)[0]
                breach, limit = _breach(rule, usd_per_hour, tokens_per_minute, baseline)
                labels: dict[str, str] = dict(zip(rule.by, key, strict=True))
                readings.append(
                    SpendReading(
                        rule.name,
                        labels,
                        usd_per_hour,
                        tokens_per_minute,
                        baseline,
                        tick,
                        breach,
                        limit,
                    )
                )
        return readings


def _breach(
    rule: SpendGuardRule, usd_per_hour: float, tokens_per_minute: float, baseline: float
) -> tuple[Breach | None, float | None]:
    if rule.max_usd_per_hour is not None and usd_per_hour > rule.max_usd_per_hour:
        return "usd_per_hour", rule.max_usd_per_hour
    if rule.max_tokens_per_minute is not None and tokens_per_minute > rule.max_tokens_per_minute:
        return "tokens_per_minute", rule.max_tokens_per_minute
    ratio = rule.max_ratio_to_trailing_day
    if (
        ratio is not None
        and baseline >= rule.min_baseline_usd_per_hour
        and usd_per_hour > ratio * baseline
    ):
        return "ratio_to_trailing_day", ratio
    return None, None
