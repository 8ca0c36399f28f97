"""In-process SLO evaluation in event time: multiwindow, multi-burn-rate.

For an objective `o` over a period `P`, the error budget is `1 - o`. A window's burn rate
is its bad-event ratio divided by the budget; burning at rate `b` for `w` spends `b·w/P`
of the budget. A page (or ticket) fires when a long window AND its short window (1/12 of
it) both burn faster than `share · P / w_long`, i.e. faster than would spend `share` of the
budget within the long window. Evaluations happen at fixed event-time ticks, so a replay
of recorded traffic fires what the live run fired (`sentinel.monitor` drives the ticks).
The engine returns `SloBurn` results, never alerts: the monitor holds and words them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Literal

from sentinel.slo.config import BurnWindow, Slo, SloRules
from sentinel.slo.sli import CLASSIFIERS, SliSpec
from sentinel.state.cells import CellKey, bucket_start
from sentinel.track.windowed_rate import WindowSums
from sentinel.values import Accounted, Labels, Verdict, label_key

# Where a monitor's classification goes: (cell key, event time, first sum, second sum).
Emit = Callable[[CellKey, float, float, float], None]
FAMILY = "slo"

Urgency = Literal["page", "ticket"]  # which list of burn-rate pairs (`page`, `ticket`)
# One alert per SLO, urgency and series (its `by` labels, sorted).
AlertKey = tuple[str, Urgency, tuple[tuple[str, str], ...]]
_MINUTE = 60
_HOUR = 3600


def burn_factor(window: BurnWindow, period_days: int) -> float:
    """Burn rate that spends `budget_share` of the period's budget in the long window."""
    return window.budget_share * period_days * 24 * 60 / window.long_minutes


def short_minutes(window: BurnWindow) -> int:
    return max(window.long_minutes // 12, 1)


@dataclass
class SloSeries:
    """One SLO for one combination of its `by` labels."""

    fine: WindowSums  # minute buckets, for burn-rate windows
    period: WindowSums  # hour buckets, for the error budget over the period
    good: float = 0.0
    bad: float = 0.0


@dataclass(frozen=True)
class SloStatus:
    slo: str
    labels: dict[str, str]
    objective: float
    burn_rates: dict[int, float | None]  # window minutes -> burn rate
    budget_remaining: float | None  # share of the period's budget left (may go below 0)
    good: int
    bad: int


@dataclass(frozen=True)
class SloBurn:
    """One burn-rate pair of one SLO series whose long window burns over its factor at
    event time `at` (the evaluator's result: no alert wording; the monitor makes alerts).
    `labels` are the series' `by` labels; burn rates are error ratios over the budget."""

    slo: Slo
    labels: dict[str, str]
    urgency: Urgency
    long_minutes: int
    factor: float
    long_burn: float
    short_burn: float | None  # None: no event in the short window
    at: float

    @property
    def starts(self) -> bool:
        """The short window burns over the factor too: an alert may start (else an alert
        started by this pair only holds on)."""
        return self.short_burn is not None and self.short_burn > self.factor

    @property
    def key(self) -> AlertKey:
        """One alert per SLO, urgency and series, whichever pair burns."""
        return self.slo.name, self.urgency, tuple(sorted(self.labels.items()))


@dataclass
class _Compiled:
    spec: Slo
    sli: SliSpec
    match: list[tuple[Callable[[Labels], str], frozenset[str]]]
    by: list[str]  # label names
    windows: list[int]  # minutes
    series: dict[tuple[str, ...], SloSeries] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.classify = CLASSIFIERS[self.sli.kind]
        self.key = label_key(self.by)


class SloEngine:
    """Written by the consume loop only. HTTP threads read `snapshot()`: an immutable tuple
    that `publish()` (consume loop, once per batch) replaces with one reference swap."""

    def __init__(self, rules: SloRules) -> None:
        self.rules = rules
        self._slos = [self._compile(s) for s in rules.slos]
        self._published: tuple[SloStatus, ...] = ()

    def publish(self) -> None:
        """Consume loop: make the current statuses what scrapes see."""
        self._published = tuple(self.statuses())

    def snapshot(self) -> tuple[SloStatus, ...]:
        """Any thread: the statuses as of the last `publish()`."""
        return self._published

    @staticmethod
    def _compile(spec: Slo) -> _Compiled:
        windows = sorted(
            {w.long_minutes for w in (*spec.page, *spec.ticket)}
            | {short_minutes(w) for w in (*spec.page, *spec.ticket)}
        )
        return _Compiled(
            spec=spec,
            sli=SliSpec(spec.sli.kind, spec.sli.threshold),
            match=[(attrgetter(k), frozenset(v)) for k, v in spec.match.items()],
            by=list(spec.by),
            windows=windows,
        )

    def observe(self, item: Accounted, verdict: Verdict) -> None:
        """Classify and count one exchange here (a single process with no shared state)."""
        self.cells(item, verdict, self._add_now)

    def _add_now(self, key: CellKey, event_time: float, bad: float, total: float) -> None:
        self.add(key[1], key[2], event_time, bad, total)

    def cells(self, item: Accounted, verdict: Verdict, emit: Emit) -> None:
        """Classify one exchange for every SLO it counts in: `emit((slo, index, series
        labels), event_time, bad, 1)`; the sums reach `add` through the global view."""
        labels = item.labels
        for index, slo in enumerate(self._slos):
            if slo.match and any(get(labels) not in allowed for get, allowed in slo.match):
                continue
            good = slo.classify(item, verdict, slo.sli)
            if good is None:
                continue
            emit((FAMILY, index, slo.key(labels)), item.event_time, 0.0 if good else 1.0, 1.0)

    def add(
        self, index: int, key: tuple[str, ...], event_time: float, bad: float, total: float
    ) -> None:
        """Add (or, with negative sums, take back) counts of one series at `event_time`."""
        if index >= len(self._slos):
            return  # a state record of other rules (a rolling upgrade): not ours
        slo = self._slos[index]
        series = slo.series.get(key)
        if series is None:
            series = slo.series[key] = SloSeries(
                WindowSums(_MINUTE, slo.windows),
                WindowSums(_HOUR, [slo.spec.period_days * 24]),
            )
        series.fine.add(event_time, bad, total)
        series.period.add(event_time, bad, total)
        series.good += total - bad
        series.bad += bad

    def add_bucket(
        self, index: int, key: tuple[str, ...], bucket: int, bad: float, total: float
    ) -> None:
        self.add(index, key, bucket_start(bucket), bad, total)

    def evaluate(self, tick: float) -> list[SloBurn]:
        """Every burn-rate pair whose long window burns over its factor at event time
        `tick`, page pairs before ticket pairs within a series (the monitor's order)."""
        found: list[SloBurn] = []
        for slo in self._slos:
            spec = slo.spec
            budget = 1.0 - spec.objective
            for key, series in slo.series.items():
                series.fine.advance(tick - 1e-9)  # windows end just before the tick
                series.period.advance(tick - 1e-9)
                labels = dict(zip(slo.by, key, strict=True))
                urgency: Urgency
                for urgency, pairs in (("page", spec.page), ("ticket", spec.ticket)):
                    for pair in pairs:
                        factor = burn_factor(pair, spec.period_days)
                        long_ratio = series.fine.error_ratio(pair.long_minutes)
                        if long_ratio is None or long_ratio / budget <= factor:
                            continue
                        short_ratio = series.fine.error_ratio(short_minutes(pair))
                        short_burn = None if short_ratio is None else short_ratio / budget
                        found.append(
                            SloBurn(
                                spec,
                                labels,
                                urgency,
                                pair.long_minutes,
                                factor,
                                long_ratio / budget,
                                short_burn,
                                tick,
                            )
                        )
        return found

    def statuses(self) -> list[SloStatus]:
        """Consume loop only (reading applies pending bucket additions)."""
        out = []
        for slo in self._slos:
            spec = slo.spec
            budget = 1.0 - spec.objective
            for key, series in slo.series.items():
                bad, total = series.period.counts(spec.period_days * 24)
                remaining = 1.0 - (bad / total) / budget if total else None
                rates = {}
                for w in slo.windows:
                    ratio = series.fine.error_ratio(w)
                    rates[w] = None if ratio is None else ratio / budget
                out.append(
                    SloStatus(
                        spec.name,
                        dict(zip(slo.by, key, strict=True)),
                        spec.objective,
                        rates,
                        remaining,
                        round(series.good),
                        round(series.bad),
                    )
                )
        return out
