"""End-to-end throughput from a real Kafka broker, next to raw kafka-python in the same run.

Starts a broker with scripts/kafka.sh on a free loopback port, produces N ~2 KB events
(request + response pairs) to a 1-partition topic, then measures, in this order and each
in a fresh consumer group:

  raw       kafka-python poll loop that only touches each record (the baseline)
  sentinel  KafkaSource → pipeline (decode, dedupe, correlate, account, trackers,
            Prometheus) → commit per batch, verdicts off
  +verdicts the same, producing one verdict record per exchange to a Kafka topic
  +verdicts, kafka-python producer defaults: the same with the producer as kafka-python
            builds it (16 KiB batches, 5 ms linger, byte-wise murmur2): the sink's
            same-run baseline
  +verdicts, confluent output: the same verdicts written by the confluent-kafka sink
            (librdkafka, `--output-client confluent`); the consumer stays kafka-python
  raw confluent  a confluent-kafka (librdkafka) poll loop that only touches each record
  sentinel, confluent input: the backbone consuming with `--input-client confluent`
  +verdicts, confluent input and output: the same, verdicts written by the confluent sink

The ratio is to raw kafka-python (the issue's baseline); the confluent paths also print
their ratio to the raw confluent loop, which is sentinel's own share of the CPU.

Reports wall-clock events/s and events per CPU-second (process CPU, all threads), and
the ratio sentinel/raw: medians of `--repeats` interleaved runs; then every run's events
per CPU-second and, without `--baseline-tree`, each verdict path next to the backbone of
its own round (ratio, and the CPU a verdict adds per event); with it, the per-round ratio
of the two trees.

With `--baseline-tree DIR` (a source tree of another commit, e.g. from `git archive`),
the sentinel paths also run with that tree's code, interleaved with this tree's in the
same broker run: a before/after comparison with one raw baseline. Every path then runs in
a child process of its own (the tree on its import path), timed inside the child.
Run: `.venv/bin/python -m bench.kafka_e2e [--events N] [--repeats R] [--baseline-tree DIR]`.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.partitioner.default import DefaultPartitioner
from prometheus_client import CollectorRegistry

from bench.events import events
from bench.rulesets import backbone
from sentinel.cli.kafka_hooks import input_source, output_sink
from sentinel.health import Health
from sentinel.io.kafka import KafkaSettings
from sentinel.io.routing import NullSink
from sentinel.runner import Runner
from sentinel.wiring import PipelineSettings, assemble, build_pipeline

ROOT = Path(__file__).parents[1]
# kafka-python's own producer settings (16 KiB batches, byte-wise murmur2 partitioner).
KAFKA_PYTHON_PRODUCER: dict[str, Any] = {
    "batch_size": 16384,
    "linger_ms": 5,
    "partitioner": DefaultPartitioner(),
}


def _free_port_pair() -> int:
    for _ in range(100):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port: int = a.getsockname()[1]
        try:
            with socket.socket() as b:
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair")


def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 1, 1)])
    admin.close()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, batch_size=1 << 20, max_request_size=1 << 24
    )
    for value in values:
        producer.send(topic, value)
    producer.flush()
    producer.close()


def _measure(fn: Any) -> dict[str, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    n = fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "events": n,
        "wall_s": wall,
        "cpu_s": cpu,
        "events_per_s": n / wall,
        "events_per_cpu_s": n / cpu,
    }


def _raw(bootstrap: str, topic: str, n: int) -> int:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{time.time()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    seen = size = 0
    while seen < n:
        for records in consumer.poll(timeout_ms=500, max_records=1000).values():
            for record in records:
                size += len(record.value)
            seen += sum(1 for _ in records)
    consumer.close()
    return seen


# Assembled as `sentinel run` assembles (no replay report), where this tree can.
_AS_RUN: dict[str, Any] = (
    {"record_run": False} if "record_run" in inspect.signature(assemble).parameters else {}
)


def _raw_confluent(bootstrap: str, topic: str, n: int) -> int:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"raw-confluent-{time.time()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    seen = size = 0
    while seen < n:
        for message in consumer.consume(1000, 0.5):
            if message.error() is None:
                size += len(message.value() or b"")
                seen += 1
    consumer.close()
    return seen


def _sentinel(
    bootstrap: str,
    topic: str,
    n: int,
    verdicts: bool,
    producer: dict[str, Any] | None = None,
    client: str = "kafka-python",
    input_client: str = "kafka-python",
) -> int:
    settings = KafkaSettings(
        bootstrap_servers=bootstrap,
        topics=(topic,),
        group_id=f"sentinel-{verdicts}-{time.time()}",
        verdict_topic=f"{topic}-verdicts",
        client_options=producer or {},
    )
    rules = backbone()  # decode, correlation, trackers, monitors; filters have their own bench
    sink = (
        output_sink(client, settings)(settings, threading.Event(), None) if verdicts else NullSink()
    )
    pipeline = build_pipeline(
        rules,
        PipelineSettings(verdicts="all" if verdicts else "off"),
        CollectorRegistry(),
        sink,
        **_AS_RUN,
    )
    stop = threading.Event()
    source = input_source(input_client, settings)(settings)

    class StopAtN:
        def __init__(self) -> None:
            self.inner = source

        @property
        def exhausted(self) -> bool:
            return False

        def poll(self, max_records: int, timeout_seconds: float) -> Any:
            batch = source.poll(max_records, timeout_seconds)
            if pipeline.counts.read + len(batch) >= n:
                stop.set()
            return batch

        def commit(self) -> None:
            source.commit()

        def close(self) -> None:
            source.close()

    Runner(StopAtN(), pipeline, sink, Health()).run(stop)
    sink.close()
    return pipeline.counts.read


_CHILD = """
import json, sys
from bench import kafka_e2e as k
bootstrap, n, verdicts = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
fn = (lambda: k._sentinel(bootstrap, "bench", n, verdicts)) if sys.argv[4] == "sentinel" else (
    lambda: k._raw(bootstrap, "bench", n)
)
print(json.dumps(k._measure(fn)))
"""


def _in_tree(tree: Path, bootstrap: str, n: int, path: str, verdicts: bool) -> dict[str, float]:
    """`_measure` of one path run by `tree`'s code in a child process."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, bootstrap, str(n), "1" if verdicts else "0", path],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _per_round(runs: dict[str, list[dict[str, float]]]) -> None:
    """Each sentinel path over raw kafka-python of its own round (run just before it): the
    ratio per round, less exposed to load drifting between rounds than the medians."""
    for name, rs in runs.items():
        if name.startswith("raw"):
            continue
        pairs = zip(rs, runs["raw"], strict=True)
        ratios = [r["events_per_cpu_s"] / b["events_per_cpu_s"] for r, b in pairs]
        print(
            f"  {name} / raw kafka-python per round: {' '.join(f'{x:.2f}' for x in ratios)} "
            f"(median {statistics.median(ratios):.2f})"
        )


def _verdict_costs(runs: dict[str, list[dict[str, float]]]) -> None:
    """Each verdict path next to the backbone of its own round (run just before it): the
    per-round ratio, and the CPU a verdict adds per event, 1/path - 1/backbone."""
    for name, rs in runs.items():
        backbone = "sentinel, confluent input" if "confluent input" in name else "sentinel"
        if not name.startswith("+verdicts") or backbone not in runs:
            continue
        pairs = list(zip(rs, runs[backbone], strict=True))
        ratios = [r["events_per_cpu_s"] / b["events_per_cpu_s"] for r, b in pairs]
        added = [1e6 * (1 / r["events_per_cpu_s"] - 1 / b["events_per_cpu_s"]) for r, b in pairs]
        print(
            f"  {name} / backbone per round: {' '.join(f'{x:.2f}' for x in ratios)} "
            f"(median {statistics.median(ratios):.2f}); a verdict adds "
            f"{statistics.median(added):.1f} µs of CPU per event (median of rounds)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3, help="medians of this many runs")
    parser.add_argument("--json", type=Path, help="also write results here")
    parser.add_argument(
        "--baseline-tree", type=Path, help="also run the sentinel paths with this tree's code"
    )
    args = parser.parse_args()
    values = events(args.events // 2)
    mean_bytes = sum(map(len, values)) / len(values)
    data = Path(tempfile.mkdtemp(prefix="sentinel-bench-kafka-"))
    port = _free_port_pair()
    subprocess.run(
        ["bash", str(ROOT / "scripts/kafka.sh"), "start", str(data), str(port)], check=True
    )
    bootstrap = f"127.0.0.1:{port}"
    try:
        _produce(bootstrap, "bench", values)
        n = len(values)
        paths: dict[str, Any] = {}
        if args.baseline_tree is not None:
            base, this = args.baseline_tree.resolve(), ROOT
            paths = {
                "raw": lambda: _in_tree(this, bootstrap, n, "raw", False),
                "sentinel (baseline tree)": lambda: _in_tree(base, bootstrap, n, "sentinel", False),
                "sentinel": lambda: _in_tree(this, bootstrap, n, "sentinel", False),
                "+verdicts (baseline tree)": lambda: _in_tree(base, bootstrap, n, "sentinel", True),
                "+verdicts": lambda: _in_tree(this, bootstrap, n, "sentinel", True),
            }
        else:
            paths = {
                "raw": lambda: _raw(bootstrap, "bench", n),
                "sentinel": lambda: _sentinel(bootstrap, "bench", n, False),
                "+verdicts": lambda: _sentinel(bootstrap, "bench", n, True),
                # the verdict producer as kafka-python builds it by default (the round-1 sink)
                "+verdicts, kafka-python producer defaults": lambda: _sentinel(
                    bootstrap, "bench", n, True, KAFKA_PYTHON_PRODUCER
                ),
                "+verdicts, confluent output": lambda: _sentinel(
                    bootstrap, "bench", n, True, client="confluent"
                ),
                "raw confluent": lambda: _raw_confluent(bootstrap, "bench", n),
                "sentinel, confluent input": lambda: _sentinel(
                    bootstrap, "bench", n, False, input_client="confluent"
                ),
                "+verdicts, confluent input and output": lambda: _sentinel(
                    bootstrap, "bench", n, True, client="confluent", input_client="confluent"
                ),
            }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
        for _ in range(args.repeats):  # interleaved, so drift in load hits every path alike
            for name, path in paths.items():
                runs[name].append(path() if args.baseline_tree else _measure(path))
        results = {
            name: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
            for name, rs in runs.items()
        }
    finally:
        subprocess.run(["bash", str(ROOT / "scripts/kafka.sh"), "stop", str(data)], check=False)
    print(
        f"{n:,} events, mean {mean_bytes:,.0f} bytes, Kafka 4.1.1 on loopback, 1 partition, "
        f"median of {args.repeats}"
    )
    print(f"{'path':<42} {'events/s':>10} {'events/CPU-s':>13} {'ratio vs raw':>13}")
    raw_rate = results["raw"]["events_per_cpu_s"]
    for name, r in results.items():
        own = ""
        if "confluent input" in name and "raw confluent" in results:
            share = r["events_per_cpu_s"] / results["raw confluent"]["events_per_cpu_s"]
            own = f"  ({share:.2f} of raw confluent)"
        print(
            f"{name:<42} {r['events_per_s']:>10,.0f} {r['events_per_cpu_s']:>13,.0f} "
            f"{r['events_per_cpu_s'] / raw_rate:>13.2f}{own}"
        )
    _per_round(runs)
    for name, rs in runs.items():
        rates = " ".join(f"{r['events_per_cpu_s']:,.0f}" for r in rs)
        print(f"  {name}: runs {rates}")
    if args.baseline_tree is None:
        _verdict_costs(runs)
    if args.baseline_tree is not None:
        # The two trees of one round ran back to back, under about the same load.
        for path in ("sentinel", "+verdicts"):
            paired = [
                t["events_per_cpu_s"] / b["events_per_cpu_s"]
                for t, b in zip(runs[path], runs[f"{path} (baseline tree)"], strict=True)
            ]
            print(
                f"  {path}, this tree / baseline tree per round: "
                f"{' '.join(f'{r:.2f}' for r in paired)} (median {statistics.median(paired):.2f})"
            )
    if args.json:
        args.json.write_text(json.dumps({"mean_bytes": mean_bytes, **results}, indent=2))


if __name__ == "__main__":
    main()
