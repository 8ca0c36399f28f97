"""A replay's report depends on the file and the rules, not on the machine's speed."""

from __future__ import annotations

import gzip
import itertools
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from sentinel.cli import bundled_sample
from sentinel.io.memory import MemorySink
from sentinel.io.records import Record
from sentinel.report import build_report
from sentinel.rules.loader import load_rules
from sentinel.wiring import PipelineSettings, assemble

with gzip.open(bundled_sample()) as _sample:
    LINES = [line for line in itertools.islice(_sample, 1200) if line.strip()]


class SlowMachine:
    """A monotonic clock on a machine so loaded that every reading is 0.5 s later."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


def _replay(scan_time_budget: bool, slow: bool) -> dict[str, Any]:
    built = assemble(
        load_rules(),
        PipelineSettings(scan_time_budget=scan_time_budget, verdicts="off"),
        CollectorRegistry(),
        MemorySink(),
    )
    pipeline = built.pipeline
    if slow:
        pipeline.chain.clock = SlowMachine()
    for offset, line in enumerate(LINES):
        pipeline.process(Record(value=line, topic="replay", offset=offset))
    pipeline.drain()
    pipeline.end_batch()  # as the runner does: observers publish, monitors evaluate
    report = build_report(pipeline, built.run)
    return report


@pytest.fixture(scope="module")
def normal() -> dict[str, Any]:
    return _replay(scan_time_budget=False, slow=False)


def test_without_a_time_budget_a_slow_machine_gives_the_same_report(
    normal: dict[str, Any],
) -> None:
    """Replay's default (no wall-time budget): same findings, actions and partial scans."""
    slow = _replay(scan_time_budget=False, slow=True)
    assert slow == normal
    assert normal["partial_scans"] == 0 and normal["findings"]


def test_with_the_time_budget_a_slow_machine_scans_less(normal: dict[str, Any]) -> None:
    """The live run's wall-time budget is what made replays vary: it cuts scans short."""
    slow = _replay(scan_time_budget=True, slow=True)
    assert slow["partial_scans"] > 0
    assert slow["findings"] != normal["findings"]
