"""Kafka sink on confluent-kafka (librdkafka): `--output-client confluent`.

The same contract and topics as the kafka-python sink (`sentinel.io.kafka.KafkaSink`): every
output stream (verdicts, review, dead letters, state), acks=all, a key's partition as
Java's murmur2 puts it, `flush` returns once every record since the last flush was
acknowledged or raises SinkError, gives up after the stop grace, tells `on_waiting`.
librdkafka batches and sends in its own threads, outside the interpreter lock, so `send`
costs a fraction of kafka-python's (docs/benchmarks.md). Only failed deliveries are
reported back (`delivery.report.only.error`); `len(producer)` counts what is still queued,
in flight or reported but not yet served. librdkafka's log lines and errors become
structured log events, served on the caller's thread by `flush`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog
from confluent_kafka import KafkaError, KafkaException, Message, Producer

from sentinel.errors import SinkError
from sentinel.io.kafka import KafkaSettings, wait_accepted
from sentinel.io.rdkafka_config import producer_config
from sentinel.io.rdkafka_log import LibrdkafkaLog, error_logger, error_name
from sentinel.io.records import OutRecord

log = structlog.get_logger("sentinel.kafka")
_Headers = list[tuple[str, str | bytes | None]]


class ConfluentSink:
    """Maps logical streams to topics; `flush()` raises if any send since the last failed."""

    name = "kafka"

    def __init__(
        self,
        settings: KafkaSettings,
        stop: threading.Event | None = None,
        on_waiting: Callable[[float], None] | None = None,
    ) -> None:
        """`stop` and `on_waiting` as for the kafka-python sink. Options librdkafka cannot
        take raise ConfigError (`producer_config`); values it refuses, SinkError."""
        self._stop = stop
        self._on_waiting = on_waiting
        self._topics = settings.output_topics
        self._failed: list[tuple[str, KafkaError]] = []
        config = {
            **producer_config(settings),
            "delivery.report.only.error": True,
            "on_delivery": self._delivered,
            "error_cb": error_logger("kafka_producer_error"),
            "logger": LibrdkafkaLog(),
        }
        try:
            self._producer = Producer(config)
        except (KafkaException, ValueError, TypeError) as exc:
            raise SinkError(f"could not configure the Kafka producer (librdkafka): {exc}") from exc

    def send(self, record: OutRecord) -> None:
        topic = self._topics[record.stream]
        headers: _Headers | None = list(record.headers) if record.headers else None
        try:
            try:
                self._producer.produce(topic, record.value, record.key, headers=headers)
            except BufferError:  # librdkafka's queue is full: once more when the broker took it
                self._wait()
                self._producer.produce(topic, record.value, record.key, headers=headers)
        except (BufferError, KafkaException) as exc:  # e.g. too large: refused, not queued
            raise SinkError(f"could not send to {topic}: {error_name(exc)}") from exc

    def flush(self) -> None:
        self._wait()
        failed, self._failed = self._failed, []
        if failed:
            topic, error = failed[0]
            raise SinkError(
                f"could not write {len(failed)} record(s) to Kafka: {topic}: "
                f"{error.name()} ({error.str()})"
            )

    def _wait(self) -> None:
        self._producer.poll(0)  # serve log lines and errors even when nothing was sent
        try:
            wait_accepted(
                lambda: len(self._producer) == 0,
                self._producer.flush,
                self._stop,
                self._on_waiting,
            )
        except SinkError:
            self._failed.clear()  # not accepted: the batch is not committed
            raise

    def close(self) -> None:
        self.flush()
        self._producer.close()

    def abandon(self) -> None:
        """Close without waiting for the broker (after a flush gave up on it): what it had
        not accepted is dropped, which is safe because that batch was not committed."""
        self._failed.clear()
        self._producer.purge(in_queue=True, in_flight=True, blocking=False)
        self._producer.poll(0)
        self._producer.close()

    def _delivered(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            self._failed.append((message.topic() or "", error))
