"""The backbone's CPU per event in process (no Kafka), this tree next to another source tree.

Before/after a refactor on a shared, noisy machine: each round runs the same synthetic
events through the pipeline once with each tree's code (a child process per run, the tree
on its import path; order alternating by round), best of three passes inside the child,
process CPU time. Prints each tree's median µs per event and its ratio to the baseline
tree (a source tree of another commit, e.g. from `git archive`), then the median of the
per-round ratios and the ratio of the two trees' best rounds (steadier under a changing
load).
Run: `.venv/bin/python -m bench.tree_ab BASELINE_TREE [--rounds R] [--exchanges N]
[--rules backbone|monitored|shipped] [--verdicts off|all]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parents[1]
_CHILD = """
import json, sys, threading, time
from prometheus_client import CollectorRegistry
from bench import rulesets
from bench.events import events
from sentinel.health import Health
from sentinel.io.memory import MemorySource
from sentinel.io.routing import NullSink
from sentinel.runner import Runner
from sentinel.wiring import PipelineSettings, build_pipeline

values = events(int(sys.argv[1]))
rules = getattr(rulesets, sys.argv[2])()
best = float("inf")
for _ in range(3):
    sink = NullSink()
    settings = PipelineSettings(verdicts=sys.argv[3])
    pipeline = build_pipeline(rules, settings, CollectorRegistry(), sink)
    runner = Runner(MemorySource(values), pipeline, sink, Health())
    start = time.process_time()
    runner.run(threading.Event())
    best = min(best, time.process_time() - start)
print(json.dumps(best / len(values) * 1e6))
"""


def _run(tree: Path, exchanges: int, rules: str, verdicts: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(exchanges), rules, verdicts],
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("baseline_tree", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--exchanges", type=int, default=8_000)
    parser.add_argument("--rules", choices=("backbone", "monitored", "shipped"), default="backbone")
    parser.add_argument("--verdicts", choices=("off", "all"), default="off")
    args = parser.parse_args()
    trees = {"baseline tree": args.baseline_tree.resolve(), "this tree": ROOT}
    runs: dict[str, list[float]] = {name: [] for name in trees}
    for i in range(args.rounds):
        order = list(trees.items()) if i % 2 == 0 else list(trees.items())[::-1]
        for name, tree in order:
            runs[name].append(_run(tree, args.exchanges, args.rules, args.verdicts))
    base = statistics.median(runs["baseline tree"])
    print(
        f"{2 * args.exchanges:,} events, rules {args.rules}, verdicts {args.verdicts}, "
        f"medians of {args.rounds} interleaved rounds (CPU µs per event, best of 3 each)"
    )
    for name, values in runs.items():
        median = statistics.median(values)
        print(
            f"{name:<14} {median:7.2f} µs/event  ratio {median / base:.3f}  "
            f"runs {' '.join(f'{v:.1f}' for v in values)}"
        )
    # Under a load that changes between rounds, the two trees of one round (run back to
    # back) share it: the median of the per-round ratios and the ratio of the two bests
    # are steadier than the ratio of the medians.
    paired = [t / b for t, b in zip(runs["this tree"], runs["baseline tree"], strict=True)]
    best = min(runs["this tree"]) / min(runs["baseline tree"])
    print(
        f"this tree / baseline tree: median of per-round ratios {statistics.median(paired):.3f} "
        f"({' '.join(f'{r:.2f}' for r in paired)}), ratio of bests {best:.3f}"
    )


if __name__ == "__main__":
    main()
