"""The exchange path's observers: one shape, only overridden hooks called, failures
contained, and the monitor evaluated at batch ends exactly as if ticked in between."""

from __future__ import annotations

import random
import threading
from pathlib import Path

from prometheus_client import CollectorRegistry

from sentinel.alerting.book import AlertBook
from sentinel.events.model import Feedback
from sentinel.guard.config import SpendGuardRules
from sentinel.guard.spend import SpendGuard
from sentinel.health import Health
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.monitor import Monitor
from sentinel.observers import BatchEnd, Observer, hooks
from sentinel.rules.loader import load_rules
from sentinel.runner import Runner
from sentinel.slo.engine import SloEngine
from sentinel.values import ALLOW, Accounted, Labels, Verdict
from sentinel.wiring import PipelineSettings, assemble
from tests.unit.conftest import event, raw
from tests.unit.test_slo import T0, accounted, slo_rules

RULES = load_rules(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")


class Counting(Observer):
    def __init__(self) -> None:
        self.exchanges = 0
        self.feedbacks = 0
        self.batches: list[BatchEnd] = []

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        self.exchanges += 1

    def feedback(self, feedback: Feedback, labels: Labels) -> None:
        self.feedbacks += 1

    def batch_end(self, batch: BatchEnd) -> None:
        self.batches.append(batch)


class Raising(Observer):
    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        raise RuntimeError("observer bug")


def test_only_overridden_hooks_are_called() -> None:
    """An observer that overrides only `exchange` is skipped for the other hooks."""
    counting, raising = Counting(), Raising()
    assert len(hooks([counting, raising], "exchange")) == 2
    assert hooks([counting, raising], "time") == ()
    assert len(hooks([counting, raising], "batch_end")) == 1


def test_a_raising_observer_does_not_stop_the_path() -> None:
    """An observer that raises is logged; later observers and the outputs still run."""
    sink, counting = MemorySink(), Counting()
    built = assemble(
        RULES, PipelineSettings(), CollectorRegistry(), sink, observers=(Raising(), counting)
    )
    values = [raw(event("exchange", "r1")), raw(event("feedback", "r1", feedback={"rating": 2}))]
    Runner(MemorySource(values), built.pipeline, sink, Health(), max_records=1).run(
        threading.Event()
    )
    assert counting.exchanges == 1 and counting.feedbacks == 1
    assert len(sink.stream("verdicts")) == 1
    assert built.run.totals.overall.exchanges == 1


def test_batch_end_carries_whole_run_counts() -> None:
    """Each batch end reports the batch's records and the run's counts so far."""
    sink, counting = MemorySink(), Counting()
    built = assemble(RULES, PipelineSettings(), CollectorRegistry(), sink, observers=(counting,))
    values = [raw(event()), b"{bad", raw(event())]
    Runner(MemorySource(values), built.pipeline, sink, Health(), max_records=2).run(
        threading.Event()
    )
    first, second = counting.batches[:2]
    assert (first.records, first.read, dict(first.invalid)) == (2, 2, {"bad_json": 1})
    assert (second.records, second.read) == (1, 3)


def _monitor() -> tuple[Monitor, AlertBook]:
    book = AlertBook()
    guard = SpendGuard(
        SpendGuardRules.model_validate({"version": "sentinel/v1", "kind": "spend_guard"})
    )
    return Monitor(SloEngine(slo_rules()), guard, book, 30), book


def test_the_monitor_held_to_batch_ends_fires_what_direct_ticks_fire() -> None:
    """Ticks evaluated at batch ends (exchanges held past a tick) equal ticks in between."""
    rng = random.Random(3)
    items = [
        accounted(T0 + i, rng.random() < (0.3 if 1800 < i < 5400 else 0.001)) for i in range(7200)
    ]
    direct, direct_book = _monitor()
    for item in items:
        direct.advance(item.event_time)
        direct.observe(item, ALLOW)
    held, held_book = _monitor()
    batch = BatchEnd(0, 0, 0.0, 0, 0, {}, 0, 0)
    for i, item in enumerate(items):
        held.time(item.event_time)
        held.exchange(item, ALLOW)
        if i % 500 == 499:
            held.batch_end(batch)
    held.batch_end(batch)
    assert direct_book.report() and held_book.report() == direct_book.report()
