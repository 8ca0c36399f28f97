"""Per-exchange metrics kept in plain lists and exposed by a custom collector.

Every exchange touches about twenty samples (outcome, tokens and cost by kind, four
histograms). Through prometheus_client's metric objects that costs ~1 µs a sample; here an
exchange costs a few list additions and four `bisect` calls, and the metric families are
built only when scraped.

The consume loop adds to its own working values; `publish` (at every batch end) copies the
series the batch touched into a new immutable snapshot, and the scrape thread reads only
the snapshot (one reference, replaced whole): a scrape sees whole batches, each histogram's
sum agreeing with its buckets, and never a value the loop is changing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from sentinel.telemetry import names as n
from sentinel.values import OUTCOMES, Accounted, Labels

TOKEN_KINDS = ("input", "output", "cached_input", "cache_write", "reasoning")
COST_KINDS = ("input", "output", "cache_read", "cache_write")

# Slots of `_Series.counters`.
_OUTCOME = {outcome: i for i, outcome in enumerate(OUTCOMES)}  # slot of each outcome
_RETRIES = 3
_SAVINGS = 4
_TOKENS = 5  # + index in TOKEN_KINDS
_COST = 10  # + index in COST_KINDS
_SLOTS = 14


class _Histogram:
    """Non-cumulative bucket counts (last slot is +Inf) and the sum; `ExchangeSeries.record`
    observes into them inline (`counts[bisect_left(bounds, value)] += 1`, `total += value`:
    prometheus_client's rule, the value counted in the first bucket whose bound is >= it)."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(
        self, bounds: Sequence[float], counts: list[int] | None = None, total: float = 0.0
    ) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1) if counts is None else counts
        self.total = total

    def add(self, other: _Histogram) -> None:
        for i, count in enumerate(other.counts):
            self.counts[i] += count
        self.total += other.total

    def copy(self) -> _Histogram:
        return _Histogram(self.bounds, list(self.counts), self.total)

    def buckets(self) -> list[tuple[str, float]]:
        cumulative = 0
        out: list[tuple[str, float]] = []
        for bound, count in zip([*self.bounds, float("inf")], self.counts, strict=True):
            cumulative += count
            out.append(("+Inf" if bound == float("inf") else repr(float(bound)), cumulative))
        return out


class _Series:
    __slots__ = ("counters", "input_tokens", "latency", "output_tokens", "ttft")

    def __init__(self, copy_of: _Series | None = None) -> None:
        if copy_of is None:
            self.counters = [0.0] * _SLOTS
            self.latency = _Histogram(n.LATENCY_BUCKETS)
            self.ttft = _Histogram(n.TTFT_BUCKETS)
            self.input_tokens = _Histogram(n.TOKEN_BUCKETS)
            self.output_tokens = _Histogram(n.TOKEN_BUCKETS)
        else:
            self.counters = list(copy_of.counters)
            self.latency, self.ttft = copy_of.latency.copy(), copy_of.ttft.copy()
            self.input_tokens = copy_of.input_tokens.copy()
            self.output_tokens = copy_of.output_tokens.copy()

    def copy(self) -> _Series:
        return _Series(self)


class ExchangeSeries(Collector):
    """Outcomes, latency, time to first token, tokens and cost per bounded label set."""

    def __init__(self) -> None:
        self._series: dict[Labels, _Series] = {}  # the consume loop's working values
        self._touched: dict[Labels, _Series] = {}  # series changed since the last publish
        self._published: Mapping[Labels, _Series] = {}  # what scrapes read; never changed

    def publish(self) -> None:
        """Make the values so far visible to scrapes (the consume loop, at batch ends)."""
        if self._touched:
            snapshot = dict(self._published)  # same order as `_series`: both insert once
            for labels, series in self._touched.items():
                snapshot[labels] = series.copy()
            self._touched = {}
            self._published = snapshot  # one reference replaced: the scrape's read is atomic

    def record(self, item: Accounted) -> None:
        labels = item.labels
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = _Series()
        self._touched[labels] = series
        c = series.counters
        c[_OUTCOME[item.outcome]] += 1
        c[_RETRIES] += item.retries
        # `_Histogram.observe`, written out: four per exchange
        latency_ms = item.latency_ms
        if latency_ms is not None:
            value, h = latency_ms / 1000.0, series.latency
            h.counts[bisect_left(h.bounds, value)] += 1
            h.total += value
        ttft_ms = item.ttft_ms
        if ttft_ms is not None:
            value, h = ttft_ms / 1000.0, series.ttft
            h.counts[bisect_left(h.bounds, value)] += 1
            h.total += value
        tokens = item.tokens
        inp, out = tokens.input, tokens.output
        if inp or out:
            c[_TOKENS] += inp
            c[_TOKENS + 1] += out
            c[_TOKENS + 2] += tokens.cached_input
            c[_TOKENS + 3] += tokens.cache_write
            c[_TOKENS + 4] += tokens.reasoning
            h = series.input_tokens
            h.counts[bisect_left(h.bounds, inp)] += 1
            h.total += inp
            h = series.output_tokens
            h.counts[bisect_left(h.bounds, out)] += 1
            h.total += out
        cost = item.cost
        if cost.priced:
            c[_COST] += cost.input
            c[_COST + 1] += cost.output
            c[_COST + 2] += cost.cache_read
            c[_COST + 3] += cost.cache_write
            c[_SAVINGS] += cost.cache_savings

    def collect(self) -> Iterator[Metric]:
        labels = list(n.EXCHANGE_LABELS)
        exchanges = CounterMetricFamily(
            n.EXCHANGES.removesuffix("_total"),
            "Exchanges by outcome (ok, error, timeout).",
            labels=[*labels, "outcome"],
        )
        retries = CounterMetricFamily(
            n.RETRIES.removesuffix("_total"), "Retries reported by clients.", labels=labels
        )
        savings = CounterMetricFamily(
            n.CACHE_SAVINGS.removesuffix("_total"),
            "USD saved by cached input tokens.",
            labels=labels,
        )
        tokens = CounterMetricFamily(
            n.TOKENS.removesuffix("_total"), "Tokens by kind.", labels=[*labels, "kind"]
        )
        cost = CounterMetricFamily(
            n.COST.removesuffix("_total"), "Spend in USD by token kind.", labels=[*labels, "kind"]
        )
        latency = HistogramMetricFamily(
            n.LATENCY, "End-to-end latency of exchanges.", labels=labels
        )
        ttft = HistogramMetricFamily(n.TTFT, "Time to first token.", labels=labels)
        per_exchange = HistogramMetricFamily(
            n.EXCHANGE_TOKENS, "Tokens per exchange.", labels=["service", "model", "direction"]
        )
        by_service_model: dict[tuple[str, str, str], _Histogram] = {}
        for label_values, series in self._published.items():
            values = list(label_values)
            c = series.counters
            for outcome in OUTCOMES:
                exchanges.add_metric([*values, outcome], c[_OUTCOME[outcome]])
            retries.add_metric(values, c[_RETRIES])
            savings.add_metric(values, c[_SAVINGS])
            for i, kind in enumerate(TOKEN_KINDS):
                tokens.add_metric([*values, kind], c[_TOKENS + i])
            for i, kind in enumerate(COST_KINDS):
                cost.add_metric([*values, kind], c[_COST + i])
            latency.add_metric(values, series.latency.buckets(), series.latency.total)
            ttft.add_metric(values, series.ttft.buckets(), series.ttft.total)
            for direction, hist in (
                ("input", series.input_tokens),
                ("output", series.output_tokens),
            ):
                key = (label_values.service, label_values.model, direction)
                merged = by_service_model.get(key)
                if merged is None:
                    merged = by_service_model[key] = _Histogram(n.TOKEN_BUCKETS)
                merged.add(hist)
        for key, hist in by_service_model.items():
            per_exchange.add_metric(list(key), hist.buckets(), hist.total)
        yield from (exchanges, retries, savings, tokens, cost, latency, ttft, per_exchange)
