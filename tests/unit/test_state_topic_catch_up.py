"""The state topic's catch-up loop against a scripted consumer: a broker that does not
answer holds it until the deadline at most, a stop request ends it within a step, and an
unresolved position never counts as caught up. (The real broker: the outage tests in
tests/integration/test_resilience.py.)"""

from __future__ import annotations

import threading
import time
from typing import Any

from kafka.errors import KafkaTimeoutError
from kafka.structs import TopicPartition

from sentinel.io.state_topic import StateTopic, StateTopicSettings

TP = TopicPartition("sentinel-state", 0)


class ScriptedConsumer:
    """Answers `end_offsets` after `silent` calls (each one a timeout, as kafka-python
    raises when the broker does not answer in time) and reports the given positions in
    turn, then the last one for good."""

    def __init__(self, silent: int, positions: list[int | None], end: int = 10) -> None:
        self.silent = silent
        self.positions = positions
        self.end = end
        self.end_calls: list[Any] = []
        self.polls = 0

    def end_offsets(self, partitions: list[TopicPartition], timeout_ms: int) -> dict[Any, int]:
        self.end_calls.append(timeout_ms)
        if len(self.end_calls) <= self.silent:
            raise KafkaTimeoutError("no answer")
        return {tp: self.end for tp in partitions}

    def position(self, tp: TopicPartition, timeout_ms: int) -> int | None:
        assert timeout_ms is not None  # never an unbounded wait
        return self.positions.pop(0) if len(self.positions) > 1 else self.positions[0]

    def poll(self, timeout_ms: int, max_records: int) -> dict[Any, list[Any]]:
        self.polls += 1
        return {}


def _state_topic(
    consumer: ScriptedConsumer, timeout_s: float = 60.0, stop: threading.Event | None = None
) -> StateTopic:
    topic = StateTopic.__new__(StateTopic)  # no broker: only the loop is under test
    topic.settings = StateTopicSettings(catch_up_timeout_seconds=timeout_s)
    topic._stop = stop or threading.Event()
    topic._consumer = consumer  # type: ignore[assignment]
    topic._partitions = [TP]
    topic.records = 0
    return topic


def test_unanswered_end_offsets_are_asked_again_then_the_catch_up_finishes() -> None:
    consumer = ScriptedConsumer(silent=3, positions=[None, 4, 10])
    assert _state_topic(consumer).catch_up(lambda k, v: None) is True
    assert len(consumer.end_calls) == 4  # asked once more after each unanswered request
    assert all(ms == 1000 for ms in consumer.end_calls)
    assert consumer.polls >= 2  # an unresolved position and one behind both keep reading


def test_a_broker_that_never_answers_ends_the_catch_up_at_the_deadline() -> None:
    consumer = ScriptedConsumer(silent=10**9, positions=[0])
    started = time.monotonic()
    assert _state_topic(consumer, timeout_s=0.5).catch_up(lambda k, v: None) is False
    assert time.monotonic() - started < 2.0


def test_a_position_never_resolved_is_not_caught_up() -> None:
    consumer = ScriptedConsumer(silent=0, positions=[None])
    assert _state_topic(consumer, timeout_s=0.5).catch_up(lambda k, v: None) is False


def test_a_stop_request_ends_the_catch_up() -> None:
    stop = threading.Event()
    consumer = ScriptedConsumer(silent=10**9, positions=[0])
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    assert _state_topic(consumer, stop=stop).catch_up(lambda k, v: None) is False
    assert time.monotonic() - started < 2.0
