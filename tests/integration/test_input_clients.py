"""Both input clients (`--input-client kafka-python` and `confluent`) as sentinel's source
against a real broker: every record once with where it came from, commits a new member
resumes at, commit metadata, lag, and a rebalance between two members."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import structlog
from kafka import KafkaAdminClient, KafkaProducer

from sentinel.cli.kafka_hooks import INPUT_CLIENTS, input_source
from sentinel.io.kafka import KafkaSettings
from sentinel.io.records import Record

PARTITIONS = 3


def _names(client: str) -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return f"it-in-{client}-{suffix}", f"it-in-group-{suffix}"


def _source(client: str, bootstrap: str, topic: str, group: str) -> Any:
    settings = KafkaSettings(bootstrap_servers=bootstrap, topics=(topic,), group_id=group)
    return input_source(client, settings)(settings)


def _produce(bootstrap: str, topic: str, count: int) -> list[tuple[bytes, bytes]]:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    sent = [(f"k{i}".encode(), f"value-{i}".encode()) for i in range(count)]
    for key, value in sent:
        producer.send(topic, value=value, key=key)
    producer.flush()
    producer.close()
    return sent


def _poll_until(source: Any, count: int, timeout_s: float = 30.0) -> list[Record]:
    records: list[Record] = []
    deadline = time.monotonic() + timeout_s
    while len(records) < count and time.monotonic() < deadline:
        records += source.poll(min(100, count - len(records)), 0.2)
    return records


def _committed(bootstrap: str, group: str) -> dict[int, tuple[int, str]]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    # confluent-kafka sends a string's terminating NUL with the metadata; readers see it
    return {
        tp.partition: (meta.offset, meta.metadata.rstrip("\x00")) for tp, meta in offsets.items()
    }


@pytest.mark.parametrize("client", INPUT_CLIENTS)
def test_every_record_once_and_a_new_member_resumes_at_the_commit(
    client: str, kafka_bootstrap: str, create_topic: Callable[..., None]
) -> None:
    """Records arrive with their key, value, topic, partition and offset; what was polled
    and committed is not read again by the next member of the group, and the rest is."""
    topic, group = _names(client)
    create_topic(kafka_bootstrap, topic, PARTITIONS)
    sent = _produce(kafka_bootstrap, topic, 300)
    first = _source(client, kafka_bootstrap, topic, group)
    head = _poll_until(first, 120)
    first.commit()
    deadline = time.monotonic() + 10
    while sum(o for o, _ in _committed(kafka_bootstrap, group).values()) < len(head):
        assert time.monotonic() < deadline, "the commit was not acknowledged"
        first.poll(0, 0.1) if client == "confluent" else time.sleep(0.1)
    first.close()

    second = _source(client, kafka_bootstrap, topic, group)
    tail = _poll_until(second, len(sent) - len(head))
    assert second.poll(100, 1.0) == []  # nothing more: nothing read twice
    second.close()

    records = head + tail
    assert sorted((r.key, r.value) for r in records) == sorted(sent)
    assert {r.topic for r in records} == {topic}
    assert {r.partition for r in records} == set(range(PARTITIONS))
    for partition in range(PARTITIONS):
        offsets = sorted(r.offset for r in records if r.partition == partition)
        assert offsets == list(range(len(offsets)))


@pytest.mark.parametrize("client", INPUT_CLIENTS)
def test_shared_state_positions_are_committed_with_their_metadata_and_lag_counts_the_rest(
    client: str, kafka_bootstrap: str, create_topic: Callable[..., None]
) -> None:
    """With `positions` set (shared monitor state), the commit is the state's offset and
    `covered=N` metadata, for assigned partitions only; `lag` counts from the read
    position to the partition's end."""
    topic, group = _names(client)
    create_topic(kafka_bootstrap, topic, 1)
    _produce(kafka_bootstrap, topic, 50)
    source = _source(client, kafka_bootstrap, topic, group)
    records = _poll_until(source, 20)
    assert len(records) == 20
    assert source.lag() == {(topic, 0): 30}
    source.positions = lambda: {(topic, 0): (15, "covered=20"), ("elsewhere", 0): (9, "x")}
    source.commit()
    deadline = time.monotonic() + 10
    while _committed(kafka_bootstrap, group).get(0) != (15, "covered=20"):
        assert time.monotonic() < deadline, _committed(kafka_bootstrap, group)
        source.poll(0, 0.1) if client == "confluent" else time.sleep(0.1)
    source.close()


@pytest.mark.parametrize("client", INPUT_CLIENTS)
def test_a_second_member_takes_half_the_partitions_through_the_callbacks(
    client: str, kafka_bootstrap: str, create_topic: Callable[..., None]
) -> None:
    """When a second member joins, the first is told which partitions it lost and each is
    told which it holds; together they hold every partition, each once."""
    topic, group = _names(client)
    create_topic(kafka_bootstrap, topic, 4)
    members = [_source(client, kafka_bootstrap, topic, group)]
    held: list[set[tuple[str, int]]] = [set(), set()]
    revoked: list[tuple[str, int]] = []

    def track(i: int) -> None:
        members[i].on_assigned = lambda pids: held[i].update(pids)
        members[i].on_revoked = lambda pids: (held[i].difference_update(pids), revoked.extend(pids))

    track(0)
    deadline = time.monotonic() + 30
    while len(held[0]) < 4:
        assert time.monotonic() < deadline, "the first member got no partitions"
        members[0].poll(10, 0.2)
    members.append(_source(client, kafka_bootstrap, topic, group))
    track(1)
    while not (held[0] and held[1] and len(held[0]) + len(held[1]) == 4):
        assert time.monotonic() < deadline, held
        for member in members:
            member.poll(10, 0.2)
    assert held[0] | held[1] == {(topic, p) for p in range(4)}
    assert not held[0] & held[1]
    assert revoked  # the first member gave partitions up through on_revoked
    assert all(member.assigned for member in members)
    for member in members:
        member.close()


def test_a_topic_that_does_not_exist_is_logged_once_and_polls_stay_empty(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The confluent consumer reports a missing topic as an error message: it is logged
    (once per kind and partition in the window), never returned as a record or raised."""
    from sentinel.io import confluent_source

    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(
        None, processors=[capture], wrapper_class=structlog.make_filtering_bound_logger(0)
    )
    monkeypatch.setattr(confluent_source, "log", logger)
    topic, group = _names("missing")
    source = _source("confluent", kafka_bootstrap, topic, group)
    deadline = time.monotonic() + 20
    errors: list[Any] = []
    while not errors:
        assert time.monotonic() < deadline, "no error reported for the missing topic"
        assert source.poll(100, 0.2) == []
        errors = [e for e in capture.entries if e["event"] == "kafka_consume_error"]
    for _ in range(5):
        assert source.poll(100, 0.2) == []
    source.close()
    errors = [e for e in capture.entries if e["event"] == "kafka_consume_error"]
    assert len(errors) == 1 and errors[0]["topic"] == topic
