"""Kafka source (consumer group, manual commits) and sink (acks=all producer).

Commits follow the runner's ordering: the runner calls `commit()` only after every output
of the polled records was flushed, and the commit stores the offset after the last polled
record of each partition. Offsets only move forward. A rebalance happens inside `poll()`,
after the previous batch was committed, so no finished work is lost and no unfinished work
is committed; records of revoked partitions are redelivered to the new owner at most once
more (the dedupe window and `event_id` make outputs idempotent).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError, RebalanceInProgressError
from kafka.structs import OffsetAndMetadata, TopicPartition

from sentinel.errors import ConfigError, SinkError, SourceError
from sentinel.io.partition import KeyPartitioner
from sentinel.io.records import OutRecord, Record

log = structlog.get_logger("sentinel.kafka")

# 1M-token prompts are ~4 MB of JSON; admit 16 MiB per message and 64 MiB per fetch.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
MAX_FETCH_BYTES = 64 * 1024 * 1024
# Producer settings measured in docs/benchmarks.md (one ~550-byte verdict per exchange,
# flushed per polled batch): 256 KiB batches and a 50 ms linger cost 30-40 % less CPU per
# record than kafka-python's 16 KiB and 5 ms; gzip costs more. The runner flushes at every
# batch end, so the linger never holds a record past its batch. Every key can be
# overridden through the client options (`linger_ms`, `batch_size`, `compression_type`);
# `acks` stays `all`.
PRODUCER_DEFAULTS: dict[str, Any] = {
    "linger_ms": 50,
    "batch_size": 256 * 1024,
}


# kafka-python backs reconnects off up to 30 s by default: consumption resumed 30-80 s after
# a broker came back. Capped at 1 s, it resumes within a few seconds (both clients; the
# client options override it).
RECONNECT_DEFAULTS: dict[str, Any] = {"reconnect_backoff_max_ms": 1000}
END_OFFSETS_TIMEOUT_MS = 1000  # a lag lookup during an outage holds the loop this long
COMMIT_TIMEOUT_MS = 2000  # a commit during an outage fails after this; offsets are kept
CLOSE_TIMEOUT_SECONDS = 1.0  # each client: bounded exits, SIGTERM is honoured within 5 s
FLUSH_STEP_SECONDS = 0.5  # a flush waits in steps, watching for a stop request
# After a stop request a flush still waits this long: a healthy broker accepts the last
# batch in milliseconds (so it is committed, not redelivered), an unreachable one cannot
# hold the exit past the 5 s SIGTERM bound.
STOP_FLUSH_GRACE_SECONDS = 1.5


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap_servers: str
    topics: tuple[str, ...]
    group_id: str = "sentinel"
    dead_letter_topic: str = "llm-events-dlq"
    verdict_topic: str = "llm-verdicts"
    review_topic: str = "llm-review"
    state_topic: str = "sentinel-state"
    client_id: str = "sentinel"
    max_message_bytes: int = MAX_MESSAGE_BYTES
    # Passed through to both clients: security_protocol, sasl_*, ssl_*, ... (kafka-python names)
    client_options: dict[str, Any] = field(default_factory=dict)

    def for_client(self, defaults: dict[str, Any]) -> dict[str, Any]:
        """Bootstrap and client id, plus the passed-through options this client knows
        (consumer-only options such as `session_timeout_ms` go to the consumer only)."""
        unknown = [
            key
            for key in self.client_options
            if key not in KafkaConsumer.DEFAULT_CONFIG and key not in KafkaProducer.DEFAULT_CONFIG
        ]
        if unknown:
            raise ConfigError(f"could not configure Kafka: unknown client option(s) {unknown}")
        return {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "client_id": self.client_id,
            **{k: v for k, v in self.client_options.items() if k in defaults},
        }

    @property
    def output_topics(self) -> dict[str, str]:
        """The topic of each output stream (`OutRecord.stream`)."""
        return {
            "dead_letter": self.dead_letter_topic,
            "verdicts": self.verdict_topic,
            "review": self.review_topic,
            "state": self.state_topic,
        }

    @property
    def max_request_bytes(self) -> int:
        """The producers' request limit, independent of --max-event-bytes (dead letters of
        oversized events fit, with their headers)."""
        return max(MAX_MESSAGE_BYTES, self.max_message_bytes) + 1024


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]  # untyped base
    def __init__(self, source: KafkaSource) -> None:
        self._source = source

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        log.info("partitions_revoked", partitions=len(revoked), ids=_ids(revoked))
        self._source.forget(revoked)
        if self._source.on_revoked is not None:
            self._source.on_revoked([(tp.topic, tp.partition) for tp in revoked])

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions_assigned", partitions=len(assigned), ids=_ids(assigned))
        if self._source.on_assigned is not None:
            self._source.on_assigned([(tp.topic, tp.partition) for tp in assigned])


def _ids(partitions: list[TopicPartition]) -> str:
    return ",".join(str(tp.partition) for tp in sorted(partitions))


class KafkaSource:
    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        try:
            self._consumer = KafkaConsumer(
                **{
                    **RECONNECT_DEFAULTS,
                    "auto_offset_reset": "earliest",
                    "max_partition_fetch_bytes": settings.max_message_bytes,
                    "fetch_max_bytes": max(MAX_FETCH_BYTES, settings.max_message_bytes),
                    "receive_message_max_bytes": max(MAX_FETCH_BYTES, settings.max_message_bytes)
                    + 1024,
                    **settings.for_client(KafkaConsumer.DEFAULT_CONFIG),  # options override
                    "group_id": settings.group_id,
                    "enable_auto_commit": False,  # sentinel commits after the outputs
                }
            )
            self._consumer.subscribe(list(settings.topics), listener=_CommitOnRevoke(self))
        except KafkaError as exc:
            raise SourceError(
                f"could not connect to Kafka at {settings.bootstrap_servers}: {exc}"
            ) from exc
        self._next: dict[TopicPartition, int] = {}  # offset after the last polled record
        # Set by the wiring when monitor state is shared: where to commit each partition
        # (the oldest event still waiting in the join, with `covered=N` as metadata), and
        # what to do when partitions come and go (called inside `poll`).
        self.positions: Callable[[], dict[tuple[str, int], tuple[int, str]]] | None = None
        self.on_revoked: Callable[[list[tuple[str, int]]], None] | None = None
        self.on_assigned: Callable[[list[tuple[str, int]]], None] | None = None
        self._committed: dict[TopicPartition, int] = {}

    @property
    def exhausted(self) -> bool:
        return False

    @property
    def assigned(self) -> bool:
        return bool(self._consumer.assignment())

    def poll(self, max_records: int, timeout_seconds: float) -> list[Record]:
        polled = self._consumer.poll(
            timeout_ms=int(timeout_seconds * 1000), max_records=max_records
        )
        batch: list[Record] = []
        for tp, messages in polled.items():
            if not messages:
                continue
            topic, partition = tp.topic, tp.partition
            batch += [Record(m.value, m.key, topic, partition, m.offset) for m in messages]
            self._next[tp] = max(self._next.get(tp, 0), messages[-1].offset + 1)
        return batch

    def commit(self) -> None:
        """Commit what was polled. During an outage the commit fails after
        COMMIT_TIMEOUT_MS and the positions are kept for the next commit (the records
        would only be redelivered: at-least-once holds)."""
        if self.positions is not None:
            self._commit_positions(self.positions())
            return
        if not self._next:
            return
        offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in self._next.items()}
        try:
            self._consumer.commit(offsets=offsets, timeout_ms=COMMIT_TIMEOUT_MS)
        except KafkaError as exc:
            log.warning("commit_failed", error=type(exc).__name__, partitions=len(offsets))
            return
        self._next.clear()

    def _commit_positions(self, positions: dict[tuple[str, int], tuple[int, str]]) -> None:
        """Commit where the state says, for assigned partitions whose position moved."""
        self._next.clear()
        assigned = self._consumer.assignment()
        offsets = {}
        for (topic, partition), (offset, metadata) in positions.items():
            tp = TopicPartition(topic, partition)
            if tp in assigned and self._committed.get(tp) != offset:
                offsets[tp] = OffsetAndMetadata(offset, metadata, -1)
        if not offsets:
            return
        try:
            self._consumer.commit(offsets=offsets, timeout_ms=COMMIT_TIMEOUT_MS)
        except (CommitFailedError, RebalanceInProgressError) as exc:
            # The group is rebalancing: these partitions may be someone else's now. Their
            # state is published, so the next owner resumes from the last commit that
            # succeeded and skips what the state already covers.
            log.warning("commit_skipped_rebalance", error=type(exc).__name__)
            return
        except KafkaError as exc:  # an outage: the next commit tries again
            log.warning("commit_failed", error=type(exc).__name__, partitions=len(offsets))
            return
        for tp, meta in offsets.items():
            self._committed[tp] = meta.offset

    def forget(self, partitions: list[TopicPartition]) -> None:
        """Drop uncommitted positions of revoked partitions (there are none between batches)."""
        for tp in partitions:
            self._next.pop(tp, None)
            self._committed.pop(tp, None)

    def partitions(self) -> set[tuple[str, int]]:
        """Every partition of the subscribed topics (from the client's metadata)."""
        return {
            (topic, p)
            for topic in self.settings.topics
            for p in self._consumer.partitions_for_topic(topic) or ()
        }

    def lag(self) -> dict[tuple[str, int], int]:
        """Messages between our position and the partition end, per assigned partition,
        from end offsets asked of the broker now (the high-water mark of the last fetch
        goes stale in an outage). Raises SourceError when the broker does not answer."""
        assignment = list(self._consumer.assignment())
        if not assignment:
            return {}
        try:
            ends = self._consumer.end_offsets(assignment, timeout_ms=END_OFFSETS_TIMEOUT_MS)
            positions = {
                tp: self._consumer.position(tp, timeout_ms=END_OFFSETS_TIMEOUT_MS) for tp in ends
            }
        except KafkaError as exc:
            raise SourceError(f"could not read end offsets: {type(exc).__name__}") from exc
        if any(position is None for position in positions.values()):
            # not resolved within the timeout (the committed offsets unanswered): the lag is
            # unknown, never zero (a zero lag would pass for a quiet partition)
            raise SourceError("could not read positions: the broker did not answer")
        return {
            (tp.topic, tp.partition): max(end - positions[tp], 0)
            for tp, end in ends.items()
            if end is not None
        }

    def close(self) -> None:
        # Bounded: a pending rebalance would otherwise hold the exit for request_timeout_ms.
        self._consumer.close(autocommit=False, timeout_ms=int(CLOSE_TIMEOUT_SECONDS * 1000))


class KafkaSink:
    """Maps logical streams to topics; `flush()` raises if any send since the last failed."""

    name = "kafka"

    def __init__(
        self,
        settings: KafkaSettings,
        stop: threading.Event | None = None,
        on_waiting: Callable[[float], None] | None = None,
    ) -> None:
        """`stop`: a flush waiting on an unreachable broker gives up when it is set.
        `on_waiting(seconds)`: told after every flush step the broker left unanswered, so
        readiness can turn false while outputs wait (the loop is inside the flush)."""
        self._stop = stop
        self._on_waiting = on_waiting
        self._topics = settings.output_topics
        try:
            self._producer = KafkaProducer(
                **{
                    **RECONNECT_DEFAULTS,
                    **PRODUCER_DEFAULTS,
                    "max_request_size": settings.max_request_bytes,
                    "partitioner": KeyPartitioner(),
                    **settings.for_client(KafkaProducer.DEFAULT_CONFIG),  # options override
                    "acks": "all",  # the at-least-once ordering needs it: not an option
                }
            )
        except KafkaError as exc:
            raise SinkError(
                f"could not connect to Kafka at {settings.bootstrap_servers}: {exc}"
            ) from exc
        self._futures: list[Any] = []

    def send(self, record: OutRecord) -> None:
        topic = self._topics[record.stream]
        try:
            headers = list(record.headers) if record.headers else []
            future = self._producer.send(topic, value=record.value, key=record.key, headers=headers)
        except KafkaError as exc:  # e.g. too large: refused before it is queued
            raise SinkError(f"could not send to {topic}: {type(exc).__name__}") from exc
        self._futures.append(future)

    def flush(self) -> None:
        if not self._futures:
            return
        try:
            wait_accepted(
                lambda: all(f.is_done for f in self._futures),
                self._flush_step,
                self._stop,
                self._on_waiting,
            )
        except SinkError:
            self._futures.clear()  # not accepted: the batch is not committed
            raise
        failed = [f for f in self._futures if f.failed()]
        self._futures.clear()
        if failed:
            raise SinkError(
                f"could not write {len(failed)} record(s) to Kafka: {failed[0].exception}"
            )

    def _flush_step(self, seconds: float) -> None:
        # a KafkaError here is the step's timeout; the sends' own timeouts still apply
        with contextlib.suppress(KafkaError):
            self._producer.flush(timeout=seconds)

    def close(self) -> None:
        self.flush()
        self._producer.close(timeout=CLOSE_TIMEOUT_SECONDS)

    def abandon(self) -> None:
        """Close without waiting for the broker (after a flush gave up on it): what it had
        not accepted is dropped, which is safe because that batch was not committed.

        kafka-python's own close flushes first and, when the flush times out, leaves the
        sender running; its exit hooks then wait a second each for a broker that is gone.
        Forcing the sender closed fails the pending sends at once, so those hooks return."""
        self._futures.clear()
        try:
            self._producer.close(timeout=0)
        except KafkaError:
            sender = getattr(self._producer, "_sender", None)
            if sender is not None:
                sender.force_close()
                sender.join(CLOSE_TIMEOUT_SECONDS)


def wait_accepted(
    done: Callable[[], bool],
    step: Callable[[float], object],
    stop: threading.Event | None,
    on_waiting: Callable[[float], None] | None,
) -> None:
    """A sink's flush: `step(FLUSH_STEP_SECONDS)` (wait for the broker at most that long)
    until `done()`. After each step past the first, `on_waiting(seconds waited)`; once
    `stop` is set, SinkError STOP_FLUSH_GRACE_SECONDS later (the batch is not committed)."""
    give_up_at: float | None = None
    started = time.monotonic()
    while not done():
        waited = time.monotonic() - started
        if on_waiting is not None and waited >= FLUSH_STEP_SECONDS:
            on_waiting(waited)
        if stop is not None and stop.is_set():
            now = time.monotonic()
            if give_up_at is None:
                give_up_at = now + STOP_FLUSH_GRACE_SECONDS
            elif now >= give_up_at:
                raise SinkError("stopped before Kafka accepted the outputs; not committed")
        step(FLUSH_STEP_SECONDS)


def wait_for_brokers(
    bootstrap_servers: str,
    stop: threading.Event,
    on_wait: Callable[[float], None],
    probe_timeout_seconds: float = 1.0,
) -> bool:
    """Block until a bootstrap server accepts a TCP connection (True) or `stop` is set
    (False). Building the clients against an unreachable broker blocks for their
    bootstrap timeout (30 s) with no word; this wait is silent for no longer than a probe,
    calls `on_wait(seconds_waited)` between probes, and honours `stop` within a second."""
    started = time.monotonic()
    hosts = [server.strip().rpartition(":") for server in bootstrap_servers.split(",")]
    while not stop.is_set():
        for host, _, port in hosts:
            try:
                with socket.create_connection(
                    (host.strip("[]") or "localhost", int(port or 9092)), probe_timeout_seconds
                ):
                    return True
            except (OSError, ValueError):
                continue
        on_wait(time.monotonic() - started)
        stop.wait(probe_timeout_seconds)
    return False
