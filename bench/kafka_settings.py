"""Kafka client settings measured on a real broker: the consumer's fetch and poll sizes,
and the verdict producer's batch size, linger, compression and partitioner.

Starts a broker with scripts/kafka.sh on a free loopback port, produces N ~2 KB events,
then, each setting in a fresh consumer group (or a fresh producer), reports process CPU
per event (all threads; median of `--repeats`):

  consumer   KafkaSource.poll over the N events (decode-free: the consumer's own cost)
             with each kafka-python setting, then the confluent-kafka source
  producer   KafkaSink.send of one ~550-byte verdict per exchange, flushed every 500
             records like the runner flushes per polled batch (acks=all)
             with each kafka-python setting, then through the confluent-kafka sink

Run: `.venv/bin/python -m bench.kafka_settings [--events N] [--repeats R]`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from kafka.partitioner.default import DefaultPartitioner

from bench.events import events
from bench.kafka_e2e import ROOT, _free_port_pair, _produce
from sentinel.cli.kafka_hooks import input_source, output_sink
from sentinel.io.kafka import KafkaSettings
from sentinel.io.records import OutRecord

VERDICT = (
    b'{"schema":"sentinel.verdict.v1","request_id":"req-1-1234","event_ids":["q-1-1234",'
    b'"r-1-1234"],"kind":"complete","event_time":1793610012.34,"service":"support-bot",'
    b'"endpoint":"/v1/chat/completions","feature":"answer","model":"gpt-4.1","variant":'
    b'"baseline","status":"ok","latency_ms":1234.5,"ttft_ms":234.5,"tokens":{"input":1234,'
    b'"output":345,"cached_input":0,"cache_write":0,"reasoning":0},"cost_usd":0.00123,'
    b'"action":"allow","findings":[],"scan":{"complete":true,"skipped_chars":0,"partial":{},'
    b'"failed_filters":[]}}'
)
CONSUMER: dict[str, tuple[int, dict[str, Any]]] = {  # name -> (max_records, options)
    "defaults (poll 1000, max_poll_records 500)": (1000, {}),
    "max_poll_records 2000": (2000, {"max_poll_records": 2000}),
    "max_poll_records 5000": (5000, {"max_poll_records": 5000}),
    "fetch_min_bytes 1 MiB": (1000, {"fetch_min_bytes": 1 << 20}),
    "check_crcs off": (1000, {"check_crcs": False}),
}
PRODUCER: dict[str, dict[str, Any]] = {
    "kafka-python defaults (16 KiB, linger 5, murmur2 per byte)": {
        "batch_size": 16384,
        "linger_ms": 5,
        "partitioner": DefaultPartitioner(),
    },
    "16 KiB batches, linger 5, fast partitioner": {"batch_size": 16384, "linger_ms": 5},
    "sentinel defaults (256 KiB, linger 50, fast partitioner)": {},
    "linger 5": {"linger_ms": 5},
    "linger 0": {"linger_ms": 0},
    "linger 200": {"linger_ms": 200},
    "1 MiB batches": {"batch_size": 1 << 20},
    "gzip": {"compression_type": "gzip"},
}
# The same sends through the confluent-kafka sink (librdkafka; `--output-client confluent`)
CONFLUENT = "confluent-kafka sink (sentinel defaults, murmur2_random)"
# The consumer on confluent-kafka (librdkafka; `--input-client confluent`)
CONFLUENT_SOURCE = "confluent-kafka source (poll 1000)"


def _consume(
    bootstrap: str, n: int, max_records: int, options: dict[str, Any], client: str = "kafka-python"
) -> float:
    settings = KafkaSettings(
        bootstrap_servers=bootstrap,
        topics=("bench",),
        group_id=f"settings-{time.time()}",
        client_options=options,
    )
    source = input_source(client, settings)(settings)
    cpu, seen = time.process_time(), 0
    while seen < n:
        seen += len(source.poll(max_records, 0.5))
    cpu = time.process_time() - cpu
    source.close()
    return cpu / seen * 1e6


def _send(bootstrap: str, n: int, options: dict[str, Any], client: str = "kafka-python") -> float:
    settings = KafkaSettings(
        bootstrap_servers=bootstrap,
        topics=("bench",),
        verdict_topic="bench-verdicts",
        client_options=options,  # on top of the sink's defaults, as an operator would
    )
    sink = output_sink(client, settings)(settings, threading.Event(), None)
    sink.send(OutRecord("verdicts", VERDICT, b"warm"))
    sink.flush()
    cpu = time.process_time()
    for i in range(n):
        sink.send(OutRecord("verdicts", VERDICT, f"req-1-{i}".encode()))
        if i % 500 == 499:
            sink.flush()
    sink.flush()
    cpu = time.process_time() - cpu
    sink.close()
    return cpu / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    values = events(args.events // 2)
    data = Path(tempfile.mkdtemp(prefix="sentinel-bench-kafka-"))
    port = _free_port_pair()
    script = str(ROOT / "scripts/kafka.sh")
    subprocess.run(["bash", script, "start", str(data), str(port)], check=True)
    bootstrap = f"127.0.0.1:{port}"
    rows: list[tuple[str, str, float]] = []
    try:
        _produce(bootstrap, "bench", values)
        for name, (max_records, options) in CONSUMER.items():
            runs = [
                _consume(bootstrap, len(values), max_records, options) for _ in range(args.repeats)
            ]
            rows.append(("consumer", name, statistics.median(runs)))
        runs = [
            _consume(bootstrap, len(values), 1000, {}, "confluent") for _ in range(args.repeats)
        ]
        rows.append(("consumer", CONFLUENT_SOURCE, statistics.median(runs)))
        for name, options in PRODUCER.items():
            runs = [_send(bootstrap, len(values) // 2, options) for _ in range(args.repeats)]
            rows.append(("producer", name, statistics.median(runs)))
        runs = [_send(bootstrap, len(values) // 2, {}, "confluent") for _ in range(args.repeats)]
        rows.append(("producer", CONFLUENT, statistics.median(runs)))
    finally:
        subprocess.run(["bash", script, "stop", str(data)], check=False)
    print(f"{len(values):,} events, Kafka 4.1.1 on loopback, 1 partition, median of {args.repeats}")
    print(f"{'client':<9} {'setting':<60} {'CPU µs per record':>18}")
    for client, name, us in rows:
        print(f"{client:<9} {name:<60} {us:>18.1f}")


if __name__ == "__main__":
    main()
