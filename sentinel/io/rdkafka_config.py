"""librdkafka properties from sentinel's Kafka settings, for the confluent clients: the
output producer (`--output-client confluent`) and the input consumer (`--input-client
confluent`).

Operators keep writing kafka-python option names (`--kafka-option`,
`SENTINEL_KAFKA_OPTION_*`), whichever client reads them. Each option the kafka-python
producer (or consumer) would take maps to its librdkafka property; one that librdkafka
cannot honour stops the start, named, instead of being dropped. Options only the other
kind of client reads are left to it, as the kafka-python clients leave them.

What sentinel sets, as on the kafka-python path: `acks=all`, the request size limit, the
reconnect back-off cap, the batch size and linger (the options override these three), and
the partition of a key (Java's murmur2, `murmur2_random`;
keyless records go to a random partition each, as kafka-python's partitioner sends them).
Idempotence and the delivery timeout default to kafka-python's own defaults, so a record
fails after the same time on either client.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from sentinel.errors import ConfigError
from sentinel.io.kafka import (
    MAX_FETCH_BYTES,
    PRODUCER_DEFAULTS,
    RECONNECT_DEFAULTS,
    KafkaSettings,
)

# kafka-python producer option -> librdkafka property
NAMES: dict[str, str] = {
    "allow_auto_create_topics": "allow.auto.create.topics",
    "batch_size": "batch.size",
    "client_dns_lookup": "client.dns.lookup",
    "client_id": "client.id",
    "compression_type": "compression.type",
    "connections_max_idle_ms": "connections.max.idle.ms",
    "delivery_timeout_ms": "delivery.timeout.ms",
    "enable_idempotence": "enable.idempotence",
    "linger_ms": "linger.ms",
    "max_in_flight_requests_per_connection": "max.in.flight.requests.per.connection",
    "max_request_size": "message.max.bytes",
    "metadata_max_age_ms": "metadata.max.age.ms",
    "receive_buffer_bytes": "socket.receive.buffer.bytes",
    "receive_message_max_bytes": "receive.message.max.bytes",
    "reconnect_backoff_max_ms": "reconnect.backoff.max.ms",
    "reconnect_backoff_ms": "reconnect.backoff.ms",
    "request_timeout_ms": "request.timeout.ms",
    "retries": "retries",
    "retry_backoff_ms": "retry.backoff.ms",
    "sasl_kerberos_service_name": "sasl.kerberos.service.name",
    "sasl_mechanism": "sasl.mechanism",
    "sasl_plain_password": "sasl.password",
    "sasl_plain_username": "sasl.username",
    "security_protocol": "security.protocol",
    "send_buffer_bytes": "socket.send.buffer.bytes",
    "ssl_cafile": "ssl.ca.location",
    "ssl_certfile": "ssl.certificate.location",
    "ssl_check_hostname": "ssl.endpoint.identification.algorithm",  # true: https, false: none
    "ssl_ciphers": "ssl.cipher.suites",
    "ssl_crlfile": "ssl.crl.location",
    "ssl_keyfile": "ssl.key.location",
    "ssl_password": "ssl.key.password",
}
# kafka-python's own machinery, no producer behaviour librdkafka lacks: protocol version
# probing (librdkafka always negotiates), the constructor's bootstrap wait (librdkafka's
# never blocks), the client's internal metrics. They still apply to the consumer.
KAFKA_PYTHON_ONLY = frozenset(
    {
        "api_version",
        "bootstrap_timeout_ms",
        "metrics_enabled",
        "metrics_num_samples",
        "metrics_sample_window_ms",
    }
)
# Consumer options of kafka-python -> librdkafka (consumer properties), beside the shared
# ones of NAMES. `request_timeout_ms` bounds a consumer's requests: librdkafka's
# `socket.timeout.ms` (its `request.timeout.ms` is a producer property).
CONSUMER_NAMES: dict[str, str] = {
    "auto_offset_reset": "auto.offset.reset",
    "check_crcs": "check.crcs",
    "client_rack": "client.rack",
    "fetch_max_bytes": "fetch.max.bytes",
    "fetch_max_wait_ms": "fetch.wait.max.ms",
    "fetch_min_bytes": "fetch.min.bytes",
    "group_instance_id": "group.instance.id",
    "heartbeat_interval_ms": "heartbeat.interval.ms",
    "isolation_level": "isolation.level",
    "max_partition_fetch_bytes": "max.partition.fetch.bytes",
    "max_poll_interval_ms": "max.poll.interval.ms",
    "request_timeout_ms": "socket.timeout.ms",
    "session_timeout_ms": "session.timeout.ms",
}
# kafka-python consumer machinery with no behaviour to carry over: the batch size is
# sentinel's own (`max_records` of each poll), auto commit is off, the iterator's timeout,
# the client's metric names, fetch sessions (an optimisation librdkafka does without) and
# internal topics (sentinel subscribes by name).
CONSUMER_KAFKA_PYTHON_ONLY = KAFKA_PYTHON_ONLY | frozenset(
    {
        "auto_commit_interval_ms",
        "consumer_timeout_ms",
        "enable_incremental_fetch_sessions",
        "exclude_internal_topics",
        "max_poll_records",
        "metric_group_prefix",
    }
)
_CONSUMER_SHARED = frozenset(NAMES) & frozenset(KafkaConsumer.DEFAULT_CONFIG)
FIXED = frozenset({"acks"})  # `all` on both clients: the at-least-once ordering needs it
# The librdkafka in confluent-kafka's wheels is built without GSSAPI (Kerberos), and its
# OAUTHBEARER needs a token callback, which text options cannot give.
_MECHANISMS = frozenset({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
_FROM_KAFKA_PYTHON = ("enable_idempotence", "delivery_timeout_ms")


def producer_config(settings: KafkaSettings) -> dict[str, Any]:
    """librdkafka properties for the output producer. Raises ConfigError naming every
    option with no librdkafka equivalent (never its value: it may be a secret)."""
    options = {k: v for k, v in settings.client_options.items() if k in _PRODUCER_OPTIONS}
    _check(options, frozenset(NAMES) | KAFKA_PYTHON_ONLY | FIXED, "output")
    mapped = {
        **{k: KafkaProducer.DEFAULT_CONFIG[k] for k in _FROM_KAFKA_PYTHON},
        **RECONNECT_DEFAULTS,
        # librdkafka's own 5 ms linger sends a polled batch's verdicts in several requests
        # while the batch is processed: +5 µs of CPU per event in process against +2 µs
        # with the kafka-python sink's defaults (50 ms; the runner's flush per batch sends
        # at once; docs/benchmarks.md)
        **PRODUCER_DEFAULTS,
        "client_id": settings.client_id,
        "max_request_size": settings.max_request_bytes,
        **{k: v for k, v in options.items() if k in NAMES},
    }
    config = {NAMES[k]: _value(k, v) for k, v in mapped.items()}
    return {
        **config,
        "bootstrap.servers": settings.bootstrap_servers,
        "acks": "all",
        "partitioner": "murmur2_random",
        # 0: a keyless record picks its own random partition (kafka-python's policy), not
        # the partition of the records before it
        "sticky.partitioning.linger.ms": 0,
    }


def consumer_config(settings: KafkaSettings) -> dict[str, Any]:
    """librdkafka properties for the input consumer (group, commits by sentinel, the
    earliest offset when the group has none, message and fetch limits as on the
    kafka-python path). Raises ConfigError naming every consumer option with no librdkafka
    equivalent."""
    options = {
        k: v for k, v in settings.client_options.items() if k in KafkaConsumer.DEFAULT_CONFIG
    }
    _check(
        options, _CONSUMER_SHARED | frozenset(CONSUMER_NAMES) | CONSUMER_KAFKA_PYTHON_ONLY, "input"
    )
    fetch_bytes = max(MAX_FETCH_BYTES, settings.max_message_bytes)
    mapped = {
        **RECONNECT_DEFAULTS,
        "auto_offset_reset": "earliest",
        "client_id": settings.client_id,
        "max_partition_fetch_bytes": settings.max_message_bytes,
        "fetch_max_bytes": fetch_bytes,
        **{k: v for k, v in options.items() if k in _CONSUMER_SHARED or k in CONSUMER_NAMES},
    }
    # librdkafka wants room for a whole fetch response in one receive
    fetch_bytes = max(fetch_bytes, mapped["fetch_max_bytes"])
    mapped["receive_message_max_bytes"] = max(
        mapped.get("receive_message_max_bytes", 0), fetch_bytes + 1024
    )
    names = {**NAMES, **CONSUMER_NAMES}
    return {
        **{names[k]: _value(k, v) for k, v in mapped.items()},
        "bootstrap.servers": settings.bootstrap_servers,
        "group.id": settings.group_id,
        "enable.auto.commit": False,  # sentinel commits once a batch's outputs are accepted
        "enable.auto.offset.store": False,
    }


def _check(options: dict[str, Any], known: frozenset[str], client: str) -> None:
    """ConfigError naming every option of `options` not in `known` (never its value: it
    may be a secret), or a SASL mechanism the wheels' librdkafka lacks; `client` is
    `output` or `input`."""
    refused = sorted(k for k in options if k not in known)
    if refused:
        listed = ", ".join(f"`{k}`" for k in refused)
        raise ConfigError(
            f"Kafka option(s) {listed}: no librdkafka equivalent for the confluent {client} "
            f"client; remove them or use --{client}-client kafka-python"
        )
    mechanism = options.get("sasl_mechanism")
    if mechanism is not None and mechanism not in _MECHANISMS:
        raise ConfigError(
            f"Kafka option `sasl_mechanism`: {mechanism} is not available with the confluent "
            f"{client} client (one of {', '.join(sorted(_MECHANISMS))})"
        )


def _value(key: str, value: Any) -> Any:
    if key == "ssl_check_hostname":
        return "https" if value else "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and key in ("security_protocol", "compression_type"):
        return value.lower()
    return value


_PRODUCER_OPTIONS = frozenset(KafkaProducer.DEFAULT_CONFIG)
