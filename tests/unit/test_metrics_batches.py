"""Per-exchange metrics published once per batch: every batch end's /metrics equals what
publishing each exchange at once gives, and a scrape mid-batch sees only whole batches."""

from __future__ import annotations

import gzip
import itertools
import random
import threading
from importlib import resources

import msgspec
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from sentinel import __version__
from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from sentinel.health import Health
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.rules.loader import load_rules
from sentinel.runner import Runner
from sentinel.telemetry import names as n
from sentinel.telemetry.exchange_series import ExchangeSeries
from sentinel.telemetry.metrics import PrometheusRecorder
from sentinel.values import Accounted, Cost, Labels, Tokens, Verdict
from sentinel.wiring import PipelineSettings, assemble
from tests.unit import conftest

with gzip.open(str(resources.files("sentinel") / "data" / "sample-traffic.jsonl.gz")) as _f:
    SAMPLE = [line for line in itertools.islice(_f, 2500) if line.strip()]
# Wall-clock values, and the monitor's trips (told to the assembly's recorder only).
_NOT_COMPARED = (n.FILTER_DURATION, n.BATCH_DURATION, n.SPEND_GUARD_TRIPS)


class PerExchange(PrometheusRecorder):
    """The per-exchange path: every sample added and published as its exchange is told."""

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        self.record(item)
        self.record_verdict(verdict, item.labels)
        self.series.publish()


def _exposition(registry: CollectorRegistry, families: set[str]) -> list[str]:
    lines = []
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith("#"):
            continue
        name = line.split("{")[0].split(" ")[0]
        if name.endswith("_created") or name.startswith(_NOT_COMPARED):
            continue
        if any(name == f or name.startswith(f + "_") for f in families):
            lines.append(line)
    return lines


def test_batch_end_metrics_equal_the_per_exchange_path_on_the_sample() -> None:
    """At every batch end of the bundled sample (default rules: findings, errors, timeouts,
    orphans, feedback), the exposition equals the per-exchange path's, sample for sample."""
    registry, reference_registry = CollectorRegistry(), CollectorRegistry()
    reference = PerExchange(reference_registry, version=__version__)
    sink = MemorySink()
    built = assemble(
        load_rules(),
        PipelineSettings(scan_time_budget=False),
        registry,
        sink,
        observers=(reference,),
    )
    reference._trackers = built.metrics._trackers  # the same live trackers behind the gauges
    families = {m.name for m in reference_registry.collect()}
    checked: list[int] = []

    def compare() -> None:
        ours = _exposition(registry, families)
        assert ours == _exposition(reference_registry, families)
        checked.append(len(ours))

    Runner(
        MemorySource(SAMPLE), built.pipeline, sink, Health(), max_records=97, after_batch=compare
    ).run(threading.Event())
    compare()
    assert len(checked) > 20 and checked[-1] > 500  # many batches, many samples compared
    text = "\n".join(_exposition(registry, families))
    for family in (n.EXCHANGES, n.VERDICTS, n.FINDINGS, n.ERRORS, n.LATENCY):
        assert family.removesuffix("_total") in text


def _item(model: str, latency_ms: float) -> Accounted:
    event = msgspec.convert(conftest.event("exchange", "r"), Event)
    return Accounted(
        Exchange("complete", event, event, 0.0, 0.0),
        Labels("svc", "/chat", "answer", model, "baseline"),
        Tokens(10, 5, 0, 0, 0, False),
        Cost(1e-5, 2e-5, priced=True),
        "ok",
        0.0,
        latency_ms,
        None,
        0,
    )


def test_a_scrape_sees_only_published_batches() -> None:
    """Exchanges recorded since the last publish are invisible to a scrape until published."""
    series = ExchangeSeries()
    registry = CollectorRegistry()
    registry.register(series)
    labels = {"service": "svc", "endpoint": "/chat", "feature": "answer", "variant": "baseline"}

    def count(model: str) -> float | None:
        return registry.get_sample_value(
            "sentinel_exchange_latency_seconds_count", {**labels, "model": model}
        )

    series.record(_item("m1", 120.0))
    assert count("m1") is None
    series.publish()
    assert count("m1") == 1
    series.record(_item("m1", 80.0))
    series.record(_item("m2", 80.0))
    assert (count("m1"), count("m2")) == (1, None)  # the working values are not read
    series.publish()
    assert (count("m1"), count("m2")) == (2, 1)


def test_exchange_histograms_equal_prometheus_client_histograms() -> None:
    """Latency, time-to-first-token and token histograms observed inline equal
    prometheus_client's own histograms fed the same values (buckets and sums), on random
    values that include every bucket bound exactly."""
    rng = random.Random(5)
    series, registry = ExchangeSeries(), CollectorRegistry()
    registry.register(series)
    reference = CollectorRegistry()
    names = {
        n.LATENCY: ("latency_ms", n.LATENCY_BUCKETS, 1000.0),
        n.TTFT: ("ttft_ms", n.TTFT_BUCKETS, 1000.0),
    }
    hists = {
        name: Histogram(name, "reference", buckets=bounds, registry=reference)
        for name, (_, bounds, _) in names.items()
    }
    tokens_in = Histogram("ref_in", "reference", buckets=n.TOKEN_BUCKETS, registry=reference)
    latencies = [b * 1000.0 for b in n.LATENCY_BUCKETS] + [
        rng.lognormvariate(7, 2) for _ in range(3000)
    ]
    for i, latency in enumerate(latencies):
        ttft = None if i % 5 == 0 else latency / rng.uniform(1, 20)
        inp = (
            int(n.TOKEN_BUCKETS[i % len(n.TOKEN_BUCKETS)]) if i % 3 == 0 else rng.randint(0, 10**6)
        )
        item = msgspec.structs.replace(
            _item("m", latency), ttft_ms=ttft, tokens=Tokens(inp, 7, 0, 0, 0, False)
        )
        series.record(item)
        hists[n.LATENCY].observe(latency / 1000.0)
        if ttft is not None:
            hists[n.TTFT].observe(ttft / 1000.0)
        tokens_in.observe(inp)
    series.publish()

    def samples(reg: CollectorRegistry, family: str, suffix: str) -> list[tuple[float, float]]:
        return [
            (float(s.labels.get("le", "0")), s.value)
            for m in reg.collect()
            if m.name == family
            for s in m.samples
            if s.name == family + suffix and s.labels.get("direction", "input") == "input"
        ]

    for family in (n.LATENCY, n.TTFT):
        for suffix in ("_bucket", "_sum", "_count"):
            assert samples(registry, family, suffix) == samples(reference, family, suffix)
    for suffix in ("_bucket", "_sum", "_count"):
        ours = samples(registry, n.EXCHANGE_TOKENS, suffix)
        assert ours and ours == samples(reference, "ref_in", suffix)
