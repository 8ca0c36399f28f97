"""Both output clients (`--output-client kafka-python` and `confluent`) against a real
broker: same topics, keys, headers and partitions, same failures, same stop behaviour, and
`sentinel run` writes the same verdicts and dead letters with either."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _procs import wait_until
from _sentinel import start_sentinel
from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from sentinel.cli.kafka_hooks import OUTPUT_CLIENTS, output_sink
from sentinel.errors import SinkError
from sentinel.io.kafka import KafkaSettings
from sentinel.io.partition import KeyPartitioner
from sentinel.io.records import BrokerSink, OutRecord

PARTITIONS = 8


def _topics(prefix: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {s: f"it-{prefix}-{s}-{suffix}" for s in ("events", "verdicts", "dlq", "group")}


def _sink(
    client: str,
    bootstrap: str,
    names: dict[str, str],
    stop: threading.Event | None = None,
    on_waiting: Callable[[float], None] | None = None,
) -> BrokerSink:
    settings = KafkaSettings(
        bootstrap_servers=bootstrap,
        topics=(names["events"],),
        verdict_topic=names["verdicts"],
        dead_letter_topic=names["dlq"],
    )
    return output_sink(client, settings)(settings, stop or threading.Event(), on_waiting)


def _read(bootstrap: str, topic: str, count: int, timeout_s: float = 30.0) -> list[Any]:
    """Every record of `topic` (all partitions, from the beginning), until `count` came."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    records: list[Any] = []
    try:
        partitions = wait_until(
            lambda: consumer.partitions_for_topic(topic), 20, f"metadata of {topic}"
        )
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        consumer.seek_to_beginning()
        deadline = time.monotonic() + timeout_s
        while len(records) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def _expected_partition(key: bytes) -> int:
    """What the kafka-python path's partitioner picks for `key` on PARTITIONS partitions."""
    cluster = SimpleNamespace(partitions_for_topic=lambda topic: set(range(PARTITIONS)))
    return int(KeyPartitioner().partition("t", key, key, None, None, cluster))


@pytest.mark.parametrize("client", OUTPUT_CLIENTS)
def test_records_land_with_their_keys_headers_and_the_partition_of_their_key(
    client: str, kafka_bootstrap: str, create_topic: Callable[..., None]
) -> None:
    """Keyed records land on the partition the kafka-python partitioner (Java's murmur2)
    picks, keys and headers intact; keyless ones spread over the partitions."""
    names = _topics(f"land-{client}")
    create_topic(kafka_bootstrap, names["verdicts"], PARTITIONS)
    create_topic(kafka_bootstrap, names["dlq"], PARTITIONS)
    rng = random.Random(11)
    keys = [b"", b"a", b"req-1"] + [rng.randbytes(rng.randrange(1, 70)) for _ in range(400)]
    sink = _sink(client, kafka_bootstrap, names)
    try:
        for n, key in enumerate(keys):
            sink.send(OutRecord("verdicts", b"verdict-%d" % n, key))
        headers = (("sentinel.reason", b"bad_json"), ("sentinel.source", b"t:0:7"))
        for n in range(200):
            sink.send(OutRecord("dead_letter", b"dead-%d" % n, None, headers))
            if n % 20 == 19:
                sink.flush()
        sink.flush()
    finally:
        sink.close()

    verdicts = _read(kafka_bootstrap, names["verdicts"], len(keys))
    assert sorted(r.value for r in verdicts) == sorted(b"verdict-%d" % n for n in range(len(keys)))
    for record in verdicts:
        key = keys[int(record.value.split(b"-")[1])]
        assert record.key == key
        assert record.partition == _expected_partition(key), key
    dead = _read(kafka_bootstrap, names["dlq"], 200)
    assert len(dead) == 200
    assert all(r.key is None and tuple(r.headers) == headers for r in dead)
    assert len({r.partition for r in dead}) >= PARTITIONS // 2  # random, not one hash


@pytest.mark.parametrize("client", OUTPUT_CLIENTS)
def test_a_record_the_broker_refuses_fails_the_flush(
    client: str, kafka_bootstrap: str, create_topic: Callable[..., None]
) -> None:
    """A record the broker rejects (over the topic's size limit) makes flush raise."""
    names = _topics(f"refused-{client}")
    create_topic(kafka_bootstrap, names["verdicts"], 1, {"max.message.bytes": "1000"})
    sink = _sink(client, kafka_bootstrap, names)
    try:
        sink.send(OutRecord("verdicts", b"x" * 5000, b"k"))
        with pytest.raises(SinkError, match=r"could not write 1 record\(s\) to Kafka"):
            sink.flush()
    finally:
        sink.abandon()  # as `run` does after a failed flush: it stops


@pytest.mark.parametrize("client", OUTPUT_CLIENTS)
def test_a_record_over_the_request_limit_is_refused_at_send(
    client: str, kafka_bootstrap: str
) -> None:
    """A record larger than the producer's request limit raises at send, naming the topic."""
    names = _topics(f"oversized-{client}")
    sink = _sink(client, kafka_bootstrap, names)
    try:
        with pytest.raises(SinkError, match=f"^could not send to {names['verdicts']}: "):
            sink.send(OutRecord("verdicts", b"x" * (17 * 1024 * 1024), b"k"))
    finally:
        sink.close()


def test_a_stop_ends_the_flush_while_the_broker_is_down(restartable_kafka: Any) -> None:
    """With the broker gone, a flush gives up within the stop grace once a stop is
    requested, tells `on_waiting` meanwhile, and abandoning the sink returns at once (both
    clients)."""
    broker = restartable_kafka
    names = _topics("down")
    stop = threading.Event()
    waits: dict[str, list[float]] = {client: [] for client in OUTPUT_CLIENTS}
    sinks = {
        client: _sink(client, broker.bootstrap, names, stop, waits[client].append)
        for client in OUTPUT_CLIENTS
    }
    try:
        for sink in sinks.values():
            sink.send(OutRecord("verdicts", b"before", b"k"))
            sink.flush()
        broker.stop()
        stop.set()
        for client, sink in sinks.items():
            sink.send(OutRecord("verdicts", b"during", b"k"))
            started = time.monotonic()
            with pytest.raises(SinkError, match="stopped before Kafka accepted the outputs"):
                sink.flush()
            assert 1.0 < time.monotonic() - started < 4.0, client
            assert waits[client], client
    finally:
        for client, sink in sinks.items():
            started = time.monotonic()
            sink.abandon()
            assert time.monotonic() - started < 3.0, client


def _verdicts_and_dead_letters(bootstrap: str, names: dict[str, str], verdicts: int) -> Any:
    """{request_id: (partition, value)} of the verdicts, and the dead letters' contents."""
    records = _read(bootstrap, names["verdicts"], verdicts, timeout_s=90)
    by_request = {json.loads(r.value)["request_id"]: (r.partition, r.value) for r in records}
    dead = _read(bootstrap, names["dlq"], 1)
    return by_request, sorted((r.key, tuple(r.headers), r.value) for r in dead)


def test_run_writes_the_same_verdicts_with_either_client(
    kafka_bootstrap: str, create_topic: Callable[..., None], tmp_path: Path
) -> None:
    """`sentinel run --output-client confluent` writes the same verdict records, on the
    same partitions, and the same dead letters as the default client, from the same input."""
    events = f"it-clients-events-{uuid.uuid4().hex[:8]}"
    create_topic(kafka_bootstrap, events, 3)
    runs = {client: {**_topics(f"e2e-{client}"), "events": events} for client in OUTPUT_CLIENTS}
    for names in runs.values():
        create_topic(kafka_bootstrap, names["verdicts"], 3)
        create_topic(kafka_bootstrap, names["dlq"], 1)
    stamp = "2026-11-02T09:00:%02dZ"
    records = [
        (
            f"req-{n}".encode(),
            json.dumps(
                {
                    "schema": "sentinel.llm.v1",
                    "event_id": f"ev-{n}",
                    "type": "exchange",
                    "request_id": f"req-{n}",
                    "timestamp": stamp % (n % 60),
                    "service": "support-bot",
                    "model": "gpt-4.1-mini",
                    "messages": [{"role": "user", "content": "hello"}],
                    "output": {"content": "hi"},
                    "usage": {"input_tokens": 10 + n, "output_tokens": 5},
                    "latency_ms": 100.0 + n,
                    **({"status": "error", "error": {"type": "rate_limit"}} if n % 7 == 0 else {}),
                }
            ).encode(),
        )
        for n in range(60)
    ] + [(None, b"{not json")]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    try:
        for key, value in records:
            producer.send(events, key=key, value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()

    procs = []
    try:
        for client, names in runs.items():
            extra = ("--verdicts", "all", "--output-client", client)
            procs.append(
                start_sentinel(
                    tmp_path,
                    kafka_bootstrap,
                    events,
                    names["group"],
                    names["dlq"],
                    names["verdicts"],
                    extra,
                    name=client,
                    wait_ready=False,
                )
            )
        outputs = {
            client: _verdicts_and_dead_letters(kafka_bootstrap, names, 60)
            for client, names in runs.items()
        }
    finally:
        for proc in procs:
            proc.stop()
    default, confluent = outputs["kafka-python"], outputs["confluent"]
    assert len(default[0]) == 60 and len(default[1]) == 1
    assert confluent == default
