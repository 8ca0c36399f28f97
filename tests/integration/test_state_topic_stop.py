"""The state topic: its start-up waits give way to a stop request (SIGTERM within 5 s),
and the topic sentinel creates takes its largest records."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType

from sentinel.errors import SourceError
from sentinel.io.kafka import KafkaSettings
from sentinel.io.state_topic import StateTopic, StateTopicSettings


def test_a_stop_ends_the_wait_for_a_missing_state_topic(kafka_bootstrap: str) -> None:
    """Waiting for a state topic nobody created ends at once when a stop was requested,
    not after the 30 s wait."""
    stop = threading.Event()
    stop.set()
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap, topics=("unused",))
    missing = StateTopicSettings(topic=f"absent-{uuid.uuid4().hex[:8]}", create=False)
    started = time.monotonic()
    with pytest.raises(SourceError, match="stopped while waiting for the state topic"):
        StateTopic(settings, missing, stop)
    assert time.monotonic() - started < 10.0


def test_a_stop_ends_the_catch_up(kafka_bootstrap: str) -> None:
    """Catch-up stops reading when a stop is requested and says it did not finish; without
    the stop it reads to the end."""
    stop = threading.Event()
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap, topics=("unused",))
    topic = f"state-{uuid.uuid4().hex[:8]}"
    state = StateTopic(settings, StateTopicSettings(topic=topic), stop)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    try:
        producer.send(topic, key=b"p0", value=b"{}").get(timeout=30)
        seen: list[bytes] = []
        stop.set()
        assert state.catch_up(lambda key, value: seen.append(value)) is False
        assert seen == []
        stop.clear()
        assert state.catch_up(lambda key, value: seen.append(value)) is True
        assert seen == [b"{}"]
    finally:
        producer.close()
        state.close()


def test_the_state_topic_is_created_for_records_past_a_stock_brokers_limit(
    kafka_bootstrap: str,
) -> None:
    """The state topic sentinel creates takes records up to 16 MiB as its own setting (a
    meta record lists every offset still waiting in the join), not the broker's default."""
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap, topics=("unused",))
    topic = f"state-{uuid.uuid4().hex[:8]}"
    StateTopic(settings, StateTopicSettings(topic=topic), threading.Event()).close()
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        response = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        admin.close()
    setting = response["topic"][topic]["max.message.bytes"]
    assert setting["value"] == str(16 * 1024 * 1024)
    assert setting["config_source"] == "DYNAMIC_TOPIC_CONFIG"  # the topic's own, not inherited
