"""What the resilience guards cost per event, in one process, same run, same events.

Times the backbone with and without the guards over the same ~2 KB events (median of 5,
process CPU time: the machine may be shared): the nesting-depth check in the decoder, the
admission step (plausibility bounds and skew guard), the PII screen and series budget on
labels. Run:
`.venv/bin/python -m bench.guards [--events N]`.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

import msgspec
from prometheus_client import CollectorRegistry

from bench.events import events
from bench.rulesets import backbone
from sentinel.admission import Admission, Bounds
from sentinel.events.decode import EventDecoder
from sentinel.events.model import Event
from sentinel.health import Health
from sentinel.io.memory import MemorySource
from sentinel.io.records import Record
from sentinel.io.routing import NullSink
from sentinel.runner import Runner
from sentinel.wiring import PipelineSettings, build_pipeline


def _median_us(run: Callable[[], object], n: int, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="exchanges (2 events each)")
    args = parser.parse_args()
    values = events(args.events // 2)
    n = len(values)
    plain = msgspec.json.Decoder(Event)
    guarded = EventDecoder(1 << 24)
    decoded = [plain.decode(v) for v in values]
    record = Record(b"", None, "t", 0, 0)
    admission = Admission(Bounds())

    def backbone_run(with_guards: bool) -> Callable[[], None]:
        def run() -> None:
            pipeline = build_pipeline(
                backbone(), PipelineSettings(verdicts="off"), CollectorRegistry(), NullSink()
            )
            if not with_guards:
                pipeline.admission = None
                pipeline.accountant.budget = None
                for bounder in (
                    pipeline.accountant._service,
                    pipeline.accountant._endpoint,
                    pipeline.accountant._feature,
                    pipeline.accountant._model,
                    pipeline.accountant._variant,
                ):
                    bounder._screen = None
            Runner(MemorySource(values), pipeline, NullSink(), Health()).run(threading.Event())

        return run

    rows = [
        ("decode: msgspec only", _median_us(lambda: [plain.decode(v) for v in values], n)),
        ("decode: + depth bound", _median_us(lambda: [guarded.decode(v) for v in values], n)),
        (
            "admission (bounds, skew) alone",
            _median_us(lambda: [admission.admit(record, e) for e in decoded], n),
        ),
    ]
    backbone_run(True)()  # warm-up: imports, first-use caches
    pairs = [
        (_median_us(backbone_run(False), n, 1), _median_us(backbone_run(True), n, 1))
        for _ in range(5)  # interleaved, so drift on a shared machine hits both
    ]
    without = statistics.median(p[0] for p in pairs)
    with_ = statistics.median(p[1] for p in pairs)
    rows += [("backbone without the guards", without), ("backbone with the guards", with_)]
    print(f"{n} events, median µs/event")
    for name, us in rows:
        print(f"  {name:<34} {us:7.2f}")
    print(f"  backbone ratio with/without guards: {with_ / without:.3f}")


if __name__ == "__main__":
    main()
