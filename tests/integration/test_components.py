"""Smoke tests of the real components the integration fixtures start."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid

from _kafka import MAX_MESSAGE_BYTES
from kafka import KafkaConsumer, KafkaProducer


def _topic(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _consume_one(bootstrap: str, topic: str, timeout_s: float = 20) -> object:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(timeout_s * 1000),
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        fetch_max_bytes=MAX_MESSAGE_BYTES,
    )
    try:
        for message in consumer:
            return message
    finally:
        consumer.close()
    raise AssertionError(f"no message on {topic} within {timeout_s}s")


def test_kafka_python_to_kcat_keeps_key_and_headers(kafka_bootstrap, create_topic):
    """A record produced by kafka-python reaches `kcat -C` with key, value and headers."""
    topic = _topic("kp-to-kcat")
    create_topic(kafka_bootstrap, topic, 1)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    headers = [("trace_id", b"abc123"), ("content-type", b"application/json")]
    producer.send(topic, b'{"event":"x"}', key=b"tenant-7", headers=headers).get(timeout=20)
    producer.close()

    kcat = ["kcat", "-C", "-b", kafka_bootstrap, "-t", topic, "-o", "beginning", "-c", "1"]
    out = subprocess.run(
        [*kcat, "-e", "-J", "-q"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    record = json.loads(out.strip().splitlines()[0])
    assert record["key"] == "tenant-7"
    assert record["payload"] == '{"event":"x"}'
    # kcat -J flattens headers to [name1, value1, name2, value2, ...]
    assert record["headers"] == ["trace_id", "abc123", "content-type", "application/json"]


def test_kcat_to_kafka_python(kafka_bootstrap):
    """A record produced by `kcat -P` (topic auto-created) is consumed by kafka-python."""
    topic = _topic("kcat-to-kp")
    kcat = ["kcat", "-P", "-b", kafka_bootstrap, "-t", topic, "-K", "\t", "-H", "source=kcat"]
    subprocess.run(kcat, input="key-1\tvalue-1\n", text=True, capture_output=True, check=True)
    message = _consume_one(kafka_bootstrap, topic)
    assert message.key == b"key-1"
    assert message.value == b"value-1"
    assert list(message.headers) == [("source", b"kcat")]


def test_six_megabyte_message_round_trips(kafka_bootstrap, create_topic):
    """A 6 MB record is accepted by the broker and read back byte for byte."""
    topic = _topic("big")
    create_topic(kafka_bootstrap, topic, 1)
    payload = os.urandom(6 * 1024 * 1024)
    # kafka-python's default max_request_size (1 MiB) would refuse it client-side
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, max_request_size=MAX_MESSAGE_BYTES)
    producer.send(topic, payload).get(timeout=30)
    producer.close()

    message = _consume_one(kafka_bootstrap, topic)
    assert len(message.value) == len(payload)
    assert hashlib.sha256(message.value).digest() == hashlib.sha256(payload).digest()


def test_prometheus_scrapes_itself(prometheus_factory):
    """A Prometheus from the factory scrapes its own /metrics: up{job="prometheus"} == 1."""
    prom = prometheus_factory([])
    result = prom.wait_for(
        'up{job="prometheus"}',
        lambda r: len(r) == 1 and r[0]["value"][1] == "1",
        timeout_s=20,
    )
    assert result[0]["metric"]["instance"] == prom.url.removeprefix("http://")
