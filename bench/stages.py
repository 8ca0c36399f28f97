"""Per-stage cost per event of the backbone, in one process, no Kafka.

Each stage is timed cumulatively (decode; + dedupe + correlate; + account; + trackers and
Prometheus samples; + verdict encoding) over the same events, so differences are stage costs.
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from prometheus_client import CollectorRegistry

from bench.events import events
from bench.rulesets import backbone, monitored, shipped
from sentinel.correlate import Correlator, DedupeWindow
from sentinel.events.decode import EventDecoder
from sentinel.health import Health
from sentinel.io.memory import MemorySource
from sentinel.io.routing import NullSink
from sentinel.pipeline import VerdictMode
from sentinel.rules.loader import RuleSet
from sentinel.runner import Runner
from sentinel.track.account import Accountant
from sentinel.track.cost import CostModel
from sentinel.track.labels import bounders
from sentinel.wiring import PipelineSettings, build_pipeline

SHIPPED, MONITORED, BACKBONE = shipped(), monitored(), backbone()
RULES = BACKBONE  # the stages below are the backbone; filters have their own benches


def _decode(values: list[bytes]) -> None:
    decoder = EventDecoder(1 << 24)
    for v in values:
        decoder.decode(v)


def _correlate(values: list[bytes]) -> None:
    decoder, dedupe, correlator = (
        EventDecoder(1 << 24),
        DedupeWindow(200_000),
        Correlator(300, 100_000),
    )
    for v in values:
        e = decoder.decode(v)
        if not dedupe.seen(e.event_id):  # type: ignore[union-attr]
            correlator.offer(e)  # type: ignore[arg-type]


def _account(values: list[bytes]) -> None:
    decoder, dedupe, correlator = (
        EventDecoder(1 << 24),
        DedupeWindow(200_000),
        Correlator(300, 100_000),
    )
    accountant = Accountant(CostModel(RULES.pricing), bounders(RULES.labels))
    for v in values:
        e = decoder.decode(v)
        if not dedupe.seen(e.event_id):  # type: ignore[union-attr]
            for x in correlator.offer(e):  # type: ignore[arg-type]
                accountant.account(x)


def _pipeline(values: list[bytes], rules: RuleSet, verdicts: VerdictMode = "off") -> None:
    sink = NullSink()
    settings = PipelineSettings(verdicts=verdicts)
    pipeline = build_pipeline(rules, settings, CollectorRegistry(), sink)
    Runner(MemorySource(values), pipeline, sink, Health()).run(threading.Event())


STAGES: dict[str, Any] = {
    "decode": _decode,
    "+ dedupe + correlate": _correlate,
    "+ account (labels, tokens, cost)": _account,
    "+ trackers + Prometheus (backbone)": lambda v: _pipeline(v, BACKBONE),
    "+ verdict record per exchange": lambda v: _pipeline(v, BACKBONE, "all"),
    "+ SLO, spend and canary monitors": lambda v: _pipeline(v, MONITORED),
    "+ default filter chain (pii, content, hallucination)": lambda v: _pipeline(v, SHIPPED),
}


def run(n_exchanges: int = 20_000, repeats: int = 5) -> list[dict[str, Any]]:
    values = events(n_exchanges)
    rows = []
    for name, stage in STAGES.items():
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            stage(values)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        rows.append(
            {
                "stage": name,
                "us_per_event": median / len(values) * 1e6,
                "events_per_s": len(values) / median,
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['stage']:<42} {row['us_per_event']:7.2f} µs/event "
            f"{row['events_per_s']:>10,.0f} events/s"
        )
