"""`sentinel run`: consume from Kafka, serve /metrics, /healthz and /readyz."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import click
from prometheus_client import CollectorRegistry

from sentinel import __version__
from sentinel.alerting.leader import Leadership
from sentinel.cli.kafka_hooks import (
    INPUT_CLIENTS,
    OUTPUT_CLIENTS,
    KafkaOption,
    StopRequested,
    flush_waiting,
    input_source,
    output_sink,
    parse_kafka_options,
    share_state,
    waiting_for_kafka,
)
from sentinel.cli.options import (
    EXIT_IO,
    EXIT_RULES,
    command_epilog,
    load_rules_or_exit,
    log,
    pipeline_options,
    pipeline_settings,
)
from sentinel.errors import ConfigError, SentinelError, SourceError
from sentinel.health import ContactWatch, Health
from sentinel.io.kafka_env import kafka_options_from_env
from sentinel.io.records import BrokerSink
from sentinel.otel import ENCODINGS
from sentinel.pipeline import DEAD_LETTER_MAX_BYTES, VerdictMode
from sentinel.runner import Runner
from sentinel.telemetry.http import start_http_server
from sentinel.telemetry.logs import configure_logging
from sentinel.wiring import assemble, build_services, state_horizon_minutes


@click.command()
@click.option(
    "--bootstrap-servers", required=True, help="Kafka bootstrap servers, comma-separated."
)
@click.option("--topic", "topics", multiple=True, default=["llm-events"], show_default=True)
@click.option("--group-id", default="sentinel", show_default=True)
@click.option("--dead-letter-topic", default="llm-events-dlq", show_default=True)
@click.option("--verdict-topic", default="llm-verdicts", show_default=True)
@click.option("--review-topic", default="llm-review", show_default=True)
@click.option(
    "--state-topic",
    default=None,
    help="Compacted topic where replicas share the monitors' per-partition state (the "
    "global view behind gates, SLOs and alerts). Default: GROUP_ID-state, so consumer "
    "groups on one cluster never read each other's state.",
)
@click.option(
    "--create-state-topic/--no-create-state-topic",
    default=True,
    show_default=True,
    help="Create the state topic (compacted) at start when it is missing.",
)
@click.option(
    "--verdicts",
    "verdict_mode",
    type=click.Choice(["all", "flagged", "off"]),
    default="flagged",
    show_default=True,
    help="Verdict records: one per exchange, only for exchanges that are not plainly ok "
    "(errors, timeouts; later: findings), or none.",
)
@click.option(
    "--kafka-option",
    "kafka_options",
    multiple=True,
    type=KafkaOption(),
    metavar="KEY=VALUE",
    help="kafka-python client setting passed through (security_protocol, sasl_*, "
    "ssl_*...). Repeatable. Secrets belong in the environment instead: "
    "SENTINEL_KAFKA_OPTION_<KEY> (e.g. SENTINEL_KAFKA_OPTION_SASL_PLAIN_PASSWORD).",
)
@click.option(
    "--output-client",
    type=click.Choice(OUTPUT_CLIENTS),
    default="kafka-python",
    show_default=True,
    help="Kafka client that writes the outputs (verdicts, review, dead letters, state): "
    "kafka-python, or confluent-kafka (librdkafka, the `confluent` extra), several times "
    "less CPU per record. --kafka-option names are kafka-python's either way (mapped; one "
    "librdkafka cannot honour stops the start).",
)
@click.option(
    "--input-client",
    type=click.Choice(INPUT_CLIENTS),
    default="kafka-python",
    show_default=True,
    help="Kafka client that consumes the input topics: kafka-python, or confluent-kafka "
    "(librdkafka, the `confluent` extra), a third of the CPU per consumed event. The same "
    "group, commits and rebalances either way; --kafka-option names are kafka-python's.",
)
@click.option(
    "--otlp-topic",
    "otlp_topics",
    multiple=True,
    help="Topic of OTLP traces from an OpenTelemetry Collector (GenAI spans become "
    "exchanges). Repeatable.",
)
@click.option(
    "--otlp-encoding",
    type=click.Choice(ENCODINGS),
    default="otlp_proto",
    show_default=True,
    help="Encoding of the --otlp-topic messages (the Collector's Kafka exporter `encoding`).",
)
@click.option(
    "--broker-grace-seconds",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="/readyz turns false when the Kafka broker has not answered for this long.",
)
@click.option(
    "--partition-idle-seconds",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="An input partition with nothing left to read and no record for this long stops "
    "holding back SLO, guard and gate evaluation: its event time advances with wall time, as "
    "when the whole replica is idle. 0 turns this off.",
)
@click.option("--http-host", default="0.0.0.0", show_default=True)
@click.option("--http-port", default=9464, show_default=True, type=click.IntRange(0, 65535))
@pipeline_options
def run(
    bootstrap_servers: str,
    topics: tuple[str, ...],
    group_id: str,
    dead_letter_topic: str,
    verdict_topic: str,
    review_topic: str,
    state_topic: str | None,
    create_state_topic: bool,
    verdict_mode: VerdictMode,
    kafka_options: tuple[str, ...],
    output_client: str,
    input_client: str,
    otlp_topics: tuple[str, ...],
    otlp_encoding: str,
    http_host: str,
    http_port: int,
    **options: Any,
) -> None:
    """Consume events from Kafka; serve /metrics, /healthz and /readyz."""
    from sentinel.io.kafka import KafkaSettings, wait_for_brokers  # Kafka only here
    from sentinel.io.state_topic import StateTopic, StateTopicSettings
    from sentinel.io.topic_limits import dead_letter_bytes, message_limit

    configure_logging(options["log_level"], options["log_json"])
    rules = load_rules_or_exit(options["rules_dir"])
    state_topic = state_topic or f"{group_id}-state"
    settings = KafkaSettings(
        bootstrap_servers=bootstrap_servers,
        topics=tuple(dict.fromkeys((*topics, *otlp_topics))),
        group_id=group_id,
        dead_letter_topic=dead_letter_topic,
        verdict_topic=verdict_topic,
        review_topic=review_topic,
        state_topic=state_topic,
        max_message_bytes=options["max_event_bytes"],
        # the environment first: a secret there, an override on the command line
        client_options=parse_kafka_options((*kafka_options_from_env(os.environ), *kafka_options)),
    )
    make_sink = output_sink(output_client, settings)  # checked before connecting
    make_source = input_source(input_client, settings)
    registry, health = CollectorRegistry(), Health()
    leadership = Leadership()  # this replica delivers alerts only while it leads
    try:
        services = build_services(rules, registry, live=True, health=health, leadership=leadership)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_RULES)
    stop = threading.Event()
    starting = threading.Event()  # set while connecting and building: all or nothing
    starting.set()

    def on_signal(*_: object) -> None:
        stop.set()
        if starting.is_set():  # interrupts a blocked client constructor or a slow build
            raise StopRequested

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = start_http_server(
        registry, health, http_host, http_port, services.rollback.handle_gate
    )
    log.info(
        "started",
        version=__version__,
        topics=",".join(topics),
        group=group_id,
        http_port=server.server_address[1],
        rules=options["rules_dir"],
    )
    read = 0
    sink: BrokerSink | None = None
    state: StateTopic | None = None
    try:
        health.set_check("kafka", False, "connecting")
        if not wait_for_brokers(bootstrap_servers, stop, waiting_for_kafka(health)):
            raise StopRequested
        watch = ContactWatch("kafka", options["broker_grace_seconds"])
        sink = make_sink(settings, stop, flush_waiting(watch, health))
        dead_letter_max = dead_letter_bytes(
            message_limit(settings, dead_letter_topic), DEAD_LETTER_MAX_BYTES
        )
        if dead_letter_max < DEAD_LETTER_MAX_BYTES:
            log.info(
                "dead_letters_bounded_by_topic", topic=dead_letter_topic, bytes=dead_letter_max
            )
        try:
            state = StateTopic(
                settings,
                StateTopicSettings(
                    topic=state_topic,
                    create=create_state_topic,
                    retention_ms=(state_horizon_minutes(rules) + 24 * 60) * 60_000,
                ),
                stop,
            )
        except SourceError:
            if stop.is_set():  # SIGTERM while waiting for the state topic
                raise StopRequested from None
            raise
        source = make_source(settings)
        health.set_check("kafka", False, "waiting for partition assignment")
        health.set_check("sink", True, "")
        assembly = assemble(
            rules,
            pipeline_settings(
                options, verdict_mode, skew_clock="wall", dead_letter_max_bytes=dead_letter_max
            ),
            registry,
            sink,
            services,
            otlp_topics=dict.fromkeys(otlp_topics, otlp_encoding),  # type: ignore[arg-type]
            publish_state=True,
            record_run=False,  # the replay report's totals: a live run reports through metrics
        )
        after_batch = share_state(
            assembly.pipeline, source, state, leadership, services.alerting.book
        )
        services.alerting.start()
        runner = Runner(
            source,
            assembly.pipeline,
            sink,
            health,
            assembly.metrics,
            lag=source.lag,
            assigned=lambda: source.assigned,
            watch=watch,
            after_batch=after_batch,
            commits_processed=True,  # the shared state's positions: what was processed
            quiet_after_seconds=options["partition_idle_seconds"] or None,
        )
        starting.clear()
        if not stop.is_set():
            runner.run(stop)
        else:
            source.close()
        read = assembly.pipeline.counts.read
        sink.close()
        sink = None
    except StopRequested:
        log.info("stopped_during_startup")
    except SentinelError as exc:
        log.error("stopped_on_error", error=type(exc).__name__)
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_IO)
    finally:
        starting.clear()
        if sink is not None:  # stopped on an error or during start-up: do not wait on Kafka
            sink.abandon()
        if state is not None:
            state.close()
        services.close(timeout_seconds=5)
        server.shutdown()
    log.info("stopped", events=read)


run.epilog = command_epilog(
    run, f"\n  {'SENTINEL_KAFKA_OPTION_<KEY>':<38} one Kafka client option (secrets)"
)
