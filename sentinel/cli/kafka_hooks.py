"""`run`'s side of Kafka: client options from the command line and the environment, the
readiness hooks while the broker is away, and the pipeline's state shared with the
consumer group and the state topic."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import click

from sentinel.alerting.book import AlertBook
from sentinel.alerting.leader import Leadership
from sentinel.cli.options import log
from sentinel.errors import ConfigError
from sentinel.health import ContactWatch, Health
from sentinel.io.kafka import KafkaSettings
from sentinel.io.kafka_options import parse_kafka_options as parse_options
from sentinel.io.kafka_options import split_env_options
from sentinel.io.records import BrokerSink, GroupSource, OutRecord


class KafkaOption(click.ParamType[str]):
    """`KEY=VALUE`; from the environment (SENTINEL_RUN_KAFKA_OPTIONS) one per line, separated
    by commas or spaces before the next `key=`, or a JSON object."""

    name = "KEY=VALUE"

    def split_envvar_value(self, rv: str) -> list[str]:
        try:
            return split_env_options(rv)
        except ConfigError as exc:
            raise click.BadParameter(str(exc), param_hint="SENTINEL_RUN_KAFKA_OPTIONS") from exc


def flush_waiting(watch: ContactWatch, health: Health) -> Callable[[float], None]:
    """While a flush waits on the broker, the consume loop is inside it: count the wait as
    the broker not answering and show it in readiness once past the grace."""

    def on_waiting(seconds: float) -> None:
        watch.failed(f"outputs unacknowledged for {seconds:.0f} s")
        if watch.down:
            health.set_check("kafka", False, watch.detail())

    return on_waiting


class StopRequested(Exception):
    """SIGTERM or SIGINT during start-up."""


def waiting_for_kafka(health: Health) -> Any:
    """Readiness and a log line (first, then every 10 s) while the broker is unreachable."""
    logged = [-10.0]

    def on_wait(seconds: float) -> None:
        health.set_check("kafka", False, f"connecting: unreachable for {seconds:.0f} s")
        if seconds - logged[0] >= 10.0:
            logged[0] = seconds
            log.warning("kafka_unreachable_at_start", seconds=round(seconds, 1))

    return on_wait


def share_state(
    pipeline: Any, source: GroupSource, state: Any, leadership: Leadership, book: AlertBook
) -> Callable[[], None]:
    """Connect the pipeline's partition state to the consumer group and the state topic:
    commits stop at the oldest waiting event, revoked partitions are forgotten, assigned
    ones are restored after the state topic is read to its end; returns the per-batch
    step (fold other replicas' changes, decide whether this replica delivers, and as the
    leader record the last tick delivered)."""
    shared, monitor, sink = pipeline.shared, pipeline.monitor, pipeline.sink
    shared.topics = frozenset(source.settings.topics)
    source.positions = shared.commit_offsets

    def decide() -> None:
        leadership.set(shared.leads(source.partitions()), book, shared.view.delivered)

    def lead() -> None:
        if not leadership.paused:  # during a rebalance its assignment decides
            decide()

    revoking: set[tuple[str, int]] = set()

    def revoked(pids: list[tuple[str, int]]) -> None:
        # Kafka keeps the position of a partition assigned again in the same rebalance,
        # so its state stays too: only partitions that really leave are released.
        revoking.update(pids)
        # Until the assignment, the lowest partition may already be another replica's
        # (librdkafka, and kafka-python past its poll timeout, serve the revoke and the
        # assignment in separate polls): deliveries wait for it.
        leadership.pause()

    def assigned(pids: list[tuple[str, int]]) -> None:
        pipeline.release(revoking - set(pids))
        revoking.clear()
        state.catch_up(shared.apply_remote)
        shared.assign(pids)
        decide()

    source.on_revoked = revoked
    source.on_assigned = assigned
    # The whole state topic first: the monitors never evaluate a partial view (a replica
    # that starts while others run would otherwise decide on some partitions only).
    state.catch_up(shared.apply_remote)
    delivered: list[float | None] = [None]

    def after_batch() -> None:
        state.poll(shared.apply_remote)
        lead()
        through = monitor.evaluated_through
        if leadership() and through is not None and through != delivered[0]:
            key, value = shared.delivered_record(through)
            sink.send(OutRecord("state", value, key))
            delivered[0] = through

    return after_batch


OUTPUT_CLIENTS = ("kafka-python", "confluent")
INPUT_CLIENTS = OUTPUT_CLIENTS
SinkFactory = Callable[[KafkaSettings, threading.Event, Callable[[float], None] | None], BrokerSink]
SourceFactory = Callable[[KafkaSettings], GroupSource]


def output_sink(client: str, settings: KafkaSettings) -> SinkFactory:
    """The sink of `--output-client`, checked before connecting: for `confluent`, that
    confluent-kafka is installed and that librdkafka takes every client option (a problem
    is exit code 2)."""
    if client == "kafka-python":
        from sentinel.io.kafka import KafkaSink

        return KafkaSink
    with _confluent("--output-client"):
        from sentinel.io.confluent import ConfluentSink
        from sentinel.io.rdkafka_config import producer_config
    _check_options(producer_config, settings)
    return ConfluentSink


def input_source(client: str, settings: KafkaSettings) -> SourceFactory:
    """The consumer of `--input-client`, checked before connecting as `output_sink` is."""
    if client == "kafka-python":
        from sentinel.io.kafka import KafkaSource

        return KafkaSource
    with _confluent("--input-client"):
        from sentinel.io.confluent_source import ConfluentSource
        from sentinel.io.rdkafka_config import consumer_config
    _check_options(consumer_config, settings)
    return ConfluentSource


@contextlib.contextmanager
def _confluent(option: str) -> Iterator[None]:
    """confluent-kafka missing is a usage error that says how to install it."""
    try:
        yield
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] != "confluent_kafka":
            raise
        raise click.BadParameter(
            "confluent needs the confluent-kafka package: pip install 'sentinel-llm[confluent]'",
            param_hint=option,
        ) from exc


def _check_options(config: Callable[[KafkaSettings], object], settings: KafkaSettings) -> None:
    try:
        config(settings)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--kafka-option") from exc


def parse_kafka_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    """Typed client options, checked before any connection (a bad one is exit code 2)."""
    try:
        return parse_options(pairs)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--kafka-option") from exc
