"""The dedupe window and the pipeline's recent labels forget their oldest entry in O(1)
and answer exactly as the first-in-first-out dictionaries they replaced."""

from __future__ import annotations

import random
import threading

import msgspec
import pytest
from prometheus_client import CollectorRegistry

import sentinel.pipeline as pipeline_module
from sentinel.correlate import DedupeWindow
from sentinel.health import Health
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.observers import Observer
from sentinel.rules.loader import load_rules
from sentinel.runner import Runner
from sentinel.values import Accounted, Labels, Verdict
from sentinel.wiring import PipelineSettings, assemble
from tests.unit.conftest import event


class DictWindow:
    """The former dedupe window: a dict emptied from the front."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.ids = capacity, dict[str, None]()

    def seen(self, event_id: str) -> bool:
        if event_id in self.ids:
            return True
        self.ids[event_id] = None
        if len(self.ids) > self.capacity:
            del self.ids[next(iter(self.ids))]
        return False


def test_the_dedupe_window_answers_as_the_dictionary_did() -> None:
    """On a random stream of repeats near and far, every answer is the former window's."""
    rng = random.Random(3)
    for capacity in (1, 7, 300):
        ours, former = DedupeWindow(capacity), DictWindow(capacity)
        for _ in range(20_000):
            event_id = f"e{rng.randint(0, 3 * capacity)}"
            assert ours.seen(event_id) == former.seen(event_id)


def test_recent_labels_keep_the_former_first_in_first_out_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With room for 40 exchanges, request ids repeating near and far, the pipeline's recent
    labels hold what the former dictionary held, in its order."""
    monkeypatch.setattr(pipeline_module, "_RECENT_LABELS", 40)
    rng = random.Random(9)
    lines = []
    for i in range(600):
        request_id = f"r{rng.randint(0, 120)}"
        t = f"2026-11-02T09:{i // 60:02d}:{i % 60:02d}Z"
        service = rng.choice(("a", "b", "c"))
        lines.append(
            msgspec.json.encode(
                event("exchange", request_id, ts=t, event_id=f"x{i}", service=service)
            )
        )
    former: dict[str, Labels] = {}

    class Former(Observer):  # the former dictionary, told every accounted exchange
        def exchange(self, item: Accounted, verdict: Verdict) -> None:
            former[item.exchange.request_id] = item.labels
            if len(former) > 40:
                del former[next(iter(former))]

    sink = MemorySink()
    settings = PipelineSettings()
    built = assemble(load_rules(), settings, CollectorRegistry(), sink, observers=(Former(),))
    pipeline = built.pipeline
    Runner(MemorySource(lines), pipeline, sink, Health()).run(threading.Event())
    assert len(former) == 40
    assert list(pipeline._recent.items()) == list(former.items())
    assert list(pipeline._recent_order) == list(former)
