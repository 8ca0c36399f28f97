"""Kafka source on confluent-kafka (librdkafka): `--input-client confluent`.

The kafka-python source's contract (`sentinel.io.kafka.KafkaSource`) with librdkafka's
consumer, which fetches and decodes record batches in its own threads, outside the
interpreter lock: about a third of kafka-python's CPU per consumed event
(docs/benchmarks.md).

- **Batches.** `poll` takes what librdkafka has already fetched, up to `max_records`,
  without waiting; only when no record is there does it wait (up to the timeout) for one
  and then take what came with it. A trickle is served at once, a backlog in full
  batches.
- **Commits.** `commit` sends the offset after the last polled record of each partition
  (or, with shared state, the positions the state gives) and does not wait for the
  answer: it is acknowledged within the next polls, which is where librdkafka serves
  callbacks. A commit that fails (an outage, a rebalance) is logged and its positions are
  sent again with the next commit, so offsets still only move past finished work and
  records are at most redelivered (at-least-once, deduplicated by `event_id`). `close`
  waits for outstanding commits, then leaves the group. The commit metadata (`covered=N`
  with shared state) reaches the broker with a trailing NUL byte, which confluent-kafka
  sends with every metadata string.
- **Rebalances** happen inside `poll` (librdkafka calls back from the consume call), after
  the previous batch was committed: revoked and lost partitions are forgotten and passed
  to `on_revoked`, assigned ones to `on_assigned`, as on the kafka-python path.
- **Errors** a consume call reports per partition (an unknown topic, a transport error)
  are logged, once per kind and partition per window, and skipped; they never reach the
  pipeline. Lag lookups ask the broker (`get_watermark_offsets`, not the last fetch's
  cached mark) and raise SourceError when it does not answer, which is how the runner
  tells an outage from an idle stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from sentinel.errors import SourceError
from sentinel.io.kafka import END_OFFSETS_TIMEOUT_MS, KafkaSettings
from sentinel.io.rdkafka_config import consumer_config
from sentinel.io.rdkafka_log import (
    REPEAT_WINDOW_SECONDS,
    LibrdkafkaLog,
    error_logger,
    error_name,
)
from sentinel.io.records import PartitionId, Record

log = structlog.get_logger("sentinel.kafka")

# How long the partition list of the subscribed topics is kept before it is asked again
# (the leader check reads it after every batch; a metadata request per batch would cost a
# round trip each, and block through an outage).
PARTITIONS_MAX_AGE_SECONDS = 30.0
METADATA_TIMEOUT_SECONDS = 1.0


class ConfluentSource:
    """A consumer group member on librdkafka, with the kafka-python source's contract."""

    def __init__(self, settings: KafkaSettings) -> None:
        """Options librdkafka cannot take raise ConfigError (`consumer_config`); values it
        refuses, SourceError."""
        self.settings = settings
        rdkafka = consumer_config(settings)
        self._from_end = rdkafka["auto.offset.reset"] == "latest"  # a partition never committed
        config = {
            **rdkafka,
            "on_commit": self._on_commit,
            "error_cb": error_logger("kafka_consumer_error"),
            "logger": LibrdkafkaLog(),
        }
        try:
            self._consumer = Consumer(config)
            self._consumer.subscribe(
                list(settings.topics),
                on_assign=self._assigned,
                on_revoke=self._revoked,
                on_lost=self._revoked,
            )
        except (KafkaException, ValueError, TypeError) as exc:
            raise SourceError(
                f"could not configure the Kafka consumer (librdkafka): {exc}"
            ) from exc
        self._next: dict[PartitionId, int] = {}  # offset after the last polled record
        self._committed: dict[PartitionId, int] = {}  # acknowledged by the broker
        self._assignment: set[PartitionId] = set()
        # Set by the wiring when monitor state is shared, as on the kafka-python source.
        self.positions: Callable[[], dict[PartitionId, tuple[int, str]]] | None = None
        self.on_revoked: Callable[[list[PartitionId]], None] | None = None
        self.on_assigned: Callable[[list[PartitionId]], None] | None = None
        self._partitions: set[PartitionId] = set()
        self._partitions_at = float("-inf")
        self._errors_logged: dict[tuple[int, str, int], float] = {}

    @property
    def exhausted(self) -> bool:
        return False

    @property
    def assigned(self) -> bool:
        return bool(self._assignment)

    def poll(self, max_records: int, timeout_seconds: float) -> list[Record]:
        consume = self._consumer.consume
        batch = self._records(consume(max_records, 0))
        if not batch:  # nothing fetched yet (or only errors): wait for the next record
            batch = self._records(consume(1, timeout_seconds))
            if batch and max_records > 1:
                batch += self._records(consume(max_records - 1, 0))
        return batch

    def _records(self, messages: list[Message]) -> list[Record]:
        """Records of the messages, positions noted; errors logged and left out."""
        batch: list[Record] = []
        append = batch.append
        last: dict[PartitionId, int] = {}
        for m in messages:
            if m.error() is not None:
                self._log_error(m)
                continue
            topic, partition, offset = m.topic() or "", m.partition() or 0, m.offset() or 0
            append(Record(m.value(), m.key(), topic, partition, offset))  # type: ignore[arg-type]
            last[topic, partition] = offset
        for pid, offset in last.items():
            if offset + 1 > self._next.get(pid, 0):
                self._next[pid] = offset + 1
        return batch

    def commit(self) -> None:
        """Send the positions to commit; the broker's answer comes within the next polls."""
        if self.positions is not None:
            wanted = {pid: pos for pid, pos in self.positions().items() if pid in self._assignment}
            self._next.clear()
        else:
            wanted = {pid: (offset, "") for pid, offset in self._next.items()}
        offsets = [
            TopicPartition(topic, partition, offset, metadata)
            for (topic, partition), (offset, metadata) in wanted.items()
            if self._committed.get((topic, partition)) != offset
        ]
        if not offsets:
            return
        try:
            self._consumer.commit(offsets=offsets, asynchronous=True)
        except KafkaException as exc:  # e.g. no longer a member: the next commit tries again
            log.warning("commit_failed", error=error_name(exc), partitions=len(offsets))

    def _on_commit(self, error: KafkaError | None, partitions: list[TopicPartition]) -> None:
        if error is not None:
            log.warning("commit_failed", error=error.name(), partitions=len(partitions))
            return
        for tp in partitions:
            pid = (tp.topic, tp.partition)
            if tp.error is None and pid in self._assignment:
                self._committed[pid] = tp.offset
                if self.positions is None and self._next.get(pid) == tp.offset:
                    del self._next[pid]

    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        pids = [(tp.topic, tp.partition) for tp in partitions]
        log.info("partitions_assigned", partitions=len(pids), ids=_ids(pids))
        self._assignment.update(pids)
        self._partitions_at = float("-inf")  # the partition count may have changed
        if self.on_assigned is not None:
            self.on_assigned(pids)

    def _revoked(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        pids = [(tp.topic, tp.partition) for tp in partitions]
        log.info("partitions_revoked", partitions=len(pids), ids=_ids(pids))
        for pid in pids:
            self._assignment.discard(pid)
            self._next.pop(pid, None)
            self._committed.pop(pid, None)
        if self.on_revoked is not None:
            self.on_revoked(pids)

    def _log_error(self, message: Message) -> None:
        error = message.error()
        assert error is not None
        key = (error.code(), message.topic() or "", message.partition() or 0)
        now = time.monotonic()
        if now - self._errors_logged.get(key, float("-inf")) < REPEAT_WINDOW_SECONDS:
            return
        self._errors_logged[key] = now
        log.warning(
            "kafka_consume_error",
            error=error.name(),
            topic=message.topic(),
            partition=message.partition(),
        )

    def partitions(self) -> set[PartitionId]:
        """Every partition of the subscribed topics, from metadata at most
        PARTITIONS_MAX_AGE_SECONDS old (the last known list while the broker is away)."""
        now = time.monotonic()
        if now - self._partitions_at < PARTITIONS_MAX_AGE_SECONDS:
            return self._partitions
        self._partitions_at = now
        found: set[PartitionId] = set()
        try:
            for topic in self.settings.topics:
                metadata = self._consumer.list_topics(topic, timeout=METADATA_TIMEOUT_SECONDS)
                found.update((topic, p) for p in metadata.topics[topic].partitions)
        except KafkaException as exc:
            log.debug("partition_list_failed", error=error_name(exc))
            return self._partitions
        self._partitions = found
        return found

    def lag(self) -> dict[PartitionId, int]:
        """Messages between our position and the partition end, per assigned partition,
        from end offsets asked of the broker now. Raises SourceError when it does not
        answer."""
        if not self._assignment:
            return {}
        assignment = [TopicPartition(t, p) for t, p in sorted(self._assignment)]
        timeout = END_OFFSETS_TIMEOUT_MS / 1000
        lags: dict[PartitionId, int] = {}
        try:
            positions = self._consumer.position(assignment)
            unread = [tp for tp in positions if tp.offset < 0]  # nothing read yet
            if unread:  # where reading starts: the committed offset, else the earliest
                positions = [tp for tp in positions if tp.offset >= 0]
                positions += self._consumer.committed(unread, timeout=timeout)
            for tp in positions:
                marks = self._consumer.get_watermark_offsets(tp, timeout=timeout, cached=False)
                if marks is None:  # librdkafka's answer to a request that timed out
                    raise SourceError("could not read end offsets: timed out")
                start, end = marks
                position = tp.offset if tp.offset >= 0 else (end if self._from_end else start)
                lags[tp.topic, tp.partition] = max(end - position, 0)
        except KafkaException as exc:
            raise SourceError(f"could not read end offsets: {error_name(exc)}") from exc
        return lags

    def close(self) -> None:
        """Leave the group; librdkafka first waits for outstanding commits."""
        try:
            self._consumer.close()
        except (KafkaException, RuntimeError) as exc:
            log.warning("consumer_close_failed", error=error_name(exc))


def _ids(pids: list[PartitionId]) -> str:
    return ",".join(str(p) for _, p in sorted(pids))
