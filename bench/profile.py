"""Where the per-event time goes: cProfile of the pipeline, as a flame-graph-like table.

Runs the pipeline in process (no Kafka) on the synthetic ~2 KB events under cProfile and
prints, for each step of the per-event path, its inclusive time per event and its share of
the whole run, indented under the step that calls it. cProfile inflates small calls, so
read shares, not absolute times; the unprofiled µs/event of the same run is printed first.
Run: `.venv/bin/python -m bench.profile [--rules backbone|shipped] [--verdicts off|all]`.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import threading
import time
from typing import Any

from prometheus_client import CollectorRegistry

from bench.events import events
from bench.rulesets import backbone, shipped
from sentinel.health import Health
from sentinel.io.memory import MemorySource
from sentinel.io.routing import NullSink
from sentinel.runner import Runner
from sentinel.wiring import PipelineSettings, build_pipeline

# (depth, label, file suffix, function name): the per-event path, callers before callees.
STEPS: list[tuple[int, str, str, str]] = [
    (0, "Pipeline.process (one record)", "sentinel/pipeline.py", "process"),
    (1, "decode (msgspec)", "sentinel/events/decode.py", "decode"),
    (1, "admission, then the event", "sentinel/pipeline.py", "_admit"),
    (2, "dedupe window", "sentinel/correlate.py", "seen"),
    (2, "correlator.advance", "sentinel/correlate.py", "advance"),
    (2, "correlator.join", "sentinel/correlate.py", "join"),
    (2, "Pipeline._complete (one exchange)", "sentinel/pipeline.py", "_complete"),
    (3, "account (labels, tokens, cost)", "sentinel/track/account.py", "account"),
    (4, "label bounders and combination budget", "sentinel/track/account.py", "labels"),
    (4, "tokens", "sentinel/track/cost.py", "tokens"),
    (4, "cost", "sentinel/track/cost.py", "cost"),
    (3, "filter chain", "sentinel/filters/chain.py", "run"),
    (3, "verdict record (struct)", "sentinel/records.py", "verdict_record"),
    (3, "observer: Prometheus samples", "sentinel/telemetry/metrics.py", "exchange"),
    (4, "exchange series", "sentinel/telemetry/metrics.py", "record"),
    (4, "verdict, findings counters", "sentinel/telemetry/metrics.py", "record_verdict"),
    (3, "observer: run record (report totals, timeline)", "sentinel/track/run.py", "exchange"),
    (4, "run totals (two DDSketch adds)", "sentinel/track/totals.py", "add"),
    (4, "timeline", "sentinel/track/timeline.py", "add"),
    (3, "observer: live trackers (spend, latency window)", "sentinel/track/live.py", "exchange"),
    (3, "observer: monitor (SLO, spend, canary)", "sentinel/monitor.py", "exchange"),
    (0, "Pipeline.end_batch (per batch)", "sentinel/pipeline.py", "end_batch"),
    (0, "prometheus_client Counter.inc (all callers)", "prometheus_client/metrics.py", "inc"),
    (0, "DDSketch.add (all callers)", "ddsketch/ddsketch.py", "add"),
    (
        0,
        "Event.event_time (datetime → POSIX, all callers)",
        "sentinel/events/model.py",
        "event_time",
    ),
]


def _run(values: list[bytes], rules: Any, verdicts: str, profile: cProfile.Profile | None) -> float:
    sink = NullSink()
    pipeline = build_pipeline(
        rules,
        PipelineSettings(verdicts=verdicts),  # type: ignore[arg-type]
        CollectorRegistry(),
        sink,
    )
    runner = Runner(MemorySource(values), pipeline, sink, Health())
    start = time.process_time()
    if profile is not None:
        profile.enable()
    runner.run(threading.Event())
    if profile is not None:
        profile.disable()
    return time.process_time() - start


def table(stats: pstats.Stats, n_events: int) -> list[tuple[int, str, float, float, float]]:
    """(depth, label, calls per event, inclusive µs per event, share of the total)."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _, ct, _) in raw.values())
    rows = []
    for depth, label, suffix, name in STEPS:
        calls = inclusive = 0.0
        for (path, _, func), (_, nc, _, ct, _) in raw.items():
            # Same-named functions of one module nest (RunTotals.add → Totals.add): the
            # outermost, the one with the largest inclusive time, stands for the step.
            if func == name and path.endswith(suffix) and ct > inclusive:
                calls, inclusive = nc, ct
        if calls:
            rows.append(
                (depth, label, calls / n_events, inclusive / n_events * 1e6, inclusive / total)
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", choices=("backbone", "shipped"), default="backbone")
    parser.add_argument("--verdicts", choices=("off", "all"), default="off")
    parser.add_argument("--exchanges", type=int, default=20_000)
    args = parser.parse_args()
    rules = backbone() if args.rules == "backbone" else shipped()
    values = events(args.exchanges)
    plain = min(_run(values, rules, args.verdicts, None) for _ in range(3))
    profile = cProfile.Profile(time.process_time)  # CPU time: the machine may be loaded
    _run(values, rules, args.verdicts, profile)
    stats = pstats.Stats(profile)
    print(
        f"{len(values):,} events, rules {args.rules}, verdicts {args.verdicts}: "
        f"{plain / len(values) * 1e6:.1f} µs CPU per event unprofiled (best of 3)"
    )
    print("| step (indented under its caller) | calls/event | µs/event (profiled) | share |")
    print("|---|---|---|---|")
    for depth, label, calls, us, share in table(stats, len(values)):
        print(f"| {'· ' * depth}{label} | {calls:.2f} | {us:.1f} | {share:.0%} |")


if __name__ == "__main__":
    main()
