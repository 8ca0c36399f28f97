"""Per-exchange metrics published once per batch: every batch end's /metrics equals what
publishing each exchange at once gives, and a scrape mid-batch sees only whole batches."""

from __future__ import annotations

import gzip
import itertools
import threading
from importlib import resources

import msgspec
from prometheus_client import CollectorRegistry, generate_latest

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
