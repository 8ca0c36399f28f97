"""Python-level work per event, counted: function calls and bytecodes executed.

CPU time on a shared machine varies by ±20-30 % between runs; these counts do not vary at
all, so two trees compare exactly (run each with its tree on the import path). They count
Python steps, not their cost: a C call (msgspec's decode, a dictionary lookup) is one call
and no bytecode, so read them beside a timed bench (`bench.tree_ab`). Runs the backbone on
the synthetic events in process, after the pipeline is built; batch-end work is included
(batches of 1,000 records, as the runner polls them).
Run: `.venv/bin/python -m bench.steps [--exchanges N] [--rules backbone|monitored]`;
another tree: `PYTHONPATH=TREE .venv/bin/python -m bench.steps` from outside this one.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import threading
from types import FrameType
from typing import Any

from prometheus_client import CollectorRegistry

from bench import rulesets
from bench.events import events
from sentinel.health import Health
from sentinel.io.memory import MemorySource
from sentinel.io.routing import NullSink
from sentinel.runner import Runner
from sentinel.wiring import PipelineSettings, build_pipeline


def _runner(values: list[bytes], rules: Any, verdicts: str) -> Runner:
    sink = NullSink()
    settings = PipelineSettings(verdicts=verdicts)  # type: ignore[arg-type]  # checked choice
    pipeline = build_pipeline(rules, settings, CollectorRegistry(), sink)
    return Runner(MemorySource(values), pipeline, sink, Health())


def calls(values: list[bytes], rules: Any, verdicts: str) -> float:
    """Function calls (Python and C) per event."""
    runner = _runner(values, rules, verdicts)
    profile = cProfile.Profile()
    profile.enable()
    runner.run(threading.Event())
    profile.disable()
    stats: dict[Any, tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    counted: int = sum(entry[1] for entry in stats.values())
    return counted / len(values)


def bytecodes(values: list[bytes], rules: Any, verdicts: str) -> float:
    """Bytecode instructions executed per event."""
    runner = _runner(values, rules, verdicts)
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        runner.run(threading.Event())
    finally:
        sys.settrace(None)
    return count / len(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exchanges", type=int, default=1500)
    parser.add_argument("--rules", choices=("backbone", "monitored"), default="backbone")
    args = parser.parse_args()
    values = events(args.exchanges)
    rules = getattr(rulesets, args.rules)()
    print(f"{len(values):,} events, rules {args.rules}")
    for verdicts in ("off", "all"):
        print(
            f"verdicts {verdicts:<3}  {calls(values, rules, verdicts):6.1f} calls/event  "
            f"{bytecodes(values, rules, verdicts):6.0f} bytecodes/event"
        )


if __name__ == "__main__":
    main()
