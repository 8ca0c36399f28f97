"""The filter chain's CPU per exchange by part, this tree next to another source tree.

Parts: each filter's `check`, the chain's own overhead (`FilterChain.run` minus the
filters: field extraction, the text cache, the verdict) and the per-verdict Prometheus
samples (`PrometheusRecorder._verdict_details`), plus the whole pipeline (shipped rules,
verdicts off). Each part is timed with `time.process_time` around the call, so every tree
pays the same small wrapper cost. On a shared, noisy machine: each round runs the corpus
once with each tree's code (a child process per run, the tree first on its import path,
order alternating by round), best of two passes inside the child; the table gives each
part's median µs per exchange and the ratio to the baseline tree (e.g. a `git archive` of
the commit before a change).
Run: `.venv/bin/python -m bench.chain_parts [BASELINE_TREE] [--corpus synthetic|realworld]
[--rounds R] [--exchanges N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.realworld import SHARED

ROOT = Path(__file__).parents[1]
_CHILD = """
import json, sys, threading, time
from collections import defaultdict
from pathlib import Path
from prometheus_client import CollectorRegistry
from bench.events import events
from bench.realworld import build
from bench.rulesets import shipped
from sentinel.filters.chain import FilterChain
from sentinel.health import Health
from sentinel.io.memory import MemorySource
from sentinel.io.routing import NullSink
from sentinel.runner import Runner
from sentinel.telemetry.metrics import PrometheusRecorder
from sentinel.wiring import PipelineSettings, build_pipeline

corpus, exchanges, shared = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
values = build(shared).values if corpus == "realworld" else events(exchanges, seed=7)
spent = defaultdict(float)
clock = time.process_time

def timed(owner, name, key):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        began = clock()
        try:
            return original(*args, **kwargs)
        finally:
            spent[key] += clock() - began
    setattr(owner, name, wrapper)

timed(FilterChain, "run", "chain")
timed(PrometheusRecorder, "_verdict_details", "verdict metrics")
best = None
for _ in range(2):
    spent.clear()
    sink = NullSink()
    settings = PipelineSettings(verdicts="off")
    pipeline = build_pipeline(shipped(), settings, CollectorRegistry(), sink)
    for f in pipeline.chain.filters:
        timed(f, "check", "filter " + f.name)
    runner = Runner(MemorySource(values), pipeline, sink, Health())
    began = clock()
    runner.run(threading.Event())
    parts = dict(spent, pipeline=clock() - began)
    parts["chain overhead"] = parts.pop("chain") - sum(
        v for k, v in parts.items() if k.startswith("filter ")
    )
    if best is None or parts["pipeline"] < best["pipeline"]:
        best = parts
n = len(values) // 2
print(json.dumps({k: v / n * 1e6 for k, v in best.items()}))
"""


def _child(tree: Path, corpus: str, exchanges: int, shared: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, corpus, str(exchanges), str(shared)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"the run in {tree} failed:\n{out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("baseline_tree", type=Path, nargs="?")
    parser.add_argument("--corpus", choices=("synthetic", "realworld"), default="synthetic")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--exchanges", type=int, default=1000, help="synthetic corpus size")
    parser.add_argument("--shared", type=Path, default=SHARED, help="external corpora")
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    if args.baseline_tree is not None:
        trees = {"baseline": args.baseline_tree.resolve(), **trees}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    order = list(trees)
    for round_ in range(args.rounds):
        for name in order if round_ % 2 == 0 else order[::-1]:
            runs[name].append(_child(trees[name], args.corpus, args.exchanges, args.shared))
    parts = sorted({k for r in runs["this tree"] for k in r})
    print(f"{args.corpus}: µs CPU per exchange, median of {args.rounds} rounds")
    print(f"{'part':<24}" + "".join(f"{name:>12}" for name in trees) + "   ratio")
    for part in parts:
        medians = {n: statistics.median(r.get(part, 0.0) for r in runs[n]) for n in trees}
        row = f"{part:<24}" + "".join(f"{medians[n]:>12.1f}" for n in trees)
        if medians.get("baseline"):
            row += f"   {medians['this tree'] / medians['baseline']:.2f}"
        print(row)


if __name__ == "__main__":
    main()
