"""The state topic: a compacted changelog of every input partition's monitor state.

Each replica writes its own partitions' changes (through the sink, stream `state`, so they
are flushed before offsets are committed) and reads EVERY partition's changes back with a
consumer of its own, outside the consumer group (no group id, all partitions assigned,
from the beginning). Keys are `topic|partition|bucket` and values absolute, so compaction
keeps the latest state per key; `retention_ms` drops buckets older than every window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import TopicPartition

from sentinel.errors import SourceError
from sentinel.io.kafka import (
    CLOSE_TIMEOUT_SECONDS,
    END_OFFSETS_TIMEOUT_MS,
    MAX_MESSAGE_BYTES,
    RECONNECT_DEFAULTS,
    KafkaSettings,
)

log = structlog.get_logger("sentinel.state")

Apply = Callable[[bytes | None, bytes | None], None]
_DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class StateTopicSettings:
    topic: str = "sentinel-state"
    create: bool = True  # create it (compacted) at start when missing
    partitions: int = 1  # one partition keeps each input partition's updates in order
    replication_factor: int = 1
    retention_ms: int = 4 * _DAY_MS  # >= the longest alert window (3 days by default)
    catch_up_timeout_seconds: float = 60.0


class StateTopic:
    def __init__(
        self,
        kafka: KafkaSettings,
        settings: StateTopicSettings,
        stop: threading.Event | None = None,
    ) -> None:
        """`stop` (SIGTERM) ends the waits of start-up and catch-up early."""
        self.settings = settings
        self._kafka = kafka
        self._stop = stop or threading.Event()
        if settings.create:
            self._ensure()
        try:
            self._consumer = KafkaConsumer(
                **{
                    **RECONNECT_DEFAULTS,  # back within a second of the broker's return
                    **kafka.for_client(KafkaConsumer.DEFAULT_CONFIG),
                    # read from the start, outside any group, whatever the options say
                    "group_id": None,
                    "enable_auto_commit": False,
                    "auto_offset_reset": "earliest",
                }
            )
            partitions = self._wait_partitions()
            self._partitions = [TopicPartition(settings.topic, p) for p in sorted(partitions)]
            self._consumer.assign(self._partitions)
            self._consumer.seek_to_beginning(*self._partitions)
        except KafkaError as exc:
            raise SourceError(f"could not read state topic {settings.topic}: {exc}") from exc
        self.records = 0

    def _ensure(self) -> None:
        options: dict[str, Any] = self._kafka.for_client(KafkaAdminClient.DEFAULT_CONFIG)
        try:
            admin = KafkaAdminClient(**options)
        except KafkaError as exc:
            raise SourceError(
                f"could not connect to Kafka to create the state topic: {exc}"
            ) from exc
        try:
            admin.create_topics(
                [
                    NewTopic(
                        self.settings.topic,
                        self.settings.partitions,
                        self.settings.replication_factor,
                        topic_configs={
                            "cleanup.policy": "compact,delete",
                            "retention.ms": str(self.settings.retention_ms),
                            "segment.ms": str(3600 * 1000),  # compaction works per segment
                            # A meta record lists every offset still waiting in the join: up
                            # to ~1 MB at 100,000 waiting, a stock broker's whole limit.
                            "max.message.bytes": str(MAX_MESSAGE_BYTES),
                        },
                    )
                ]
            )
            log.info("state_topic_created", topic=self.settings.topic)
        except TopicAlreadyExistsError:
            pass
        except KafkaError as exc:  # e.g. no Create ACL: the operator made it, or reading fails
            log.warning(
                "state_topic_not_created", topic=self.settings.topic, error=type(exc).__name__
            )
        finally:
            admin.close()

    def _wait_partitions(self) -> set[int]:
        deadline = time.monotonic() + 30.0
        while True:
            partitions = self._consumer.partitions_for_topic(self.settings.topic)
            if partitions:
                return set(partitions)
            if self._stop.is_set():
                raise SourceError("stopped while waiting for the state topic")
            if time.monotonic() > deadline:
                raise SourceError(f"state topic {self.settings.topic} does not exist")
            time.sleep(0.2)

    def poll(self, apply: Apply, timeout_seconds: float = 0.0) -> int:
        """Fold what arrived since the last call; returns the number of records."""
        polled = self._consumer.poll(timeout_ms=int(timeout_seconds * 1000), max_records=10_000)
        n = 0
        for messages in polled.values():
            for m in messages:
                apply(m.key, m.value)
                n += 1
        self.records += n
        return n

    def catch_up(self, apply: Apply) -> bool:
        """Fold everything written so far (before taking over partitions): False if that
        did not finish within `catch_up_timeout_seconds` or a stop was requested. The
        broker is asked in steps of a second, so a broker that does not answer (an outage,
        a connection still backing off after one) holds the loop until the deadline at
        most, and a stop request ends the wait within the step."""
        deadline = time.monotonic() + self.settings.catch_up_timeout_seconds
        ends: dict[TopicPartition, int] | None = None
        while True:
            if self._stop.is_set():
                return False
            if time.monotonic() > deadline:
                log.warning("state_catch_up_timed_out", topic=self.settings.topic)
                return False
            try:
                if ends is None:
                    ends = self._consumer.end_offsets(
                        self._partitions, timeout_ms=END_OFFSETS_TIMEOUT_MS
                    )
                if all(self._reached(tp, end) for tp, end in ends.items()):
                    return True
            except KafkaError:  # not answered within the step: ask again
                pass
            self.poll(apply, 0.2)

    def _reached(self, tp: TopicPartition, end: int) -> bool:
        position = self._consumer.position(tp, timeout_ms=END_OFFSETS_TIMEOUT_MS)
        return position is not None and position >= end

    def close(self) -> None:
        self._consumer.close(autocommit=False, timeout_ms=int(CLOSE_TIMEOUT_SECONDS * 1000))
