"""The confluent clients' librdkafka settings (output producer, input consumer) from
kafka-python option names: mapped, fixed where sentinel fixes them, refused by name where
librdkafka cannot honour them."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from click.testing import CliRunner
from confluent_kafka import Consumer, Producer
from kafka import KafkaConsumer, KafkaProducer

from sentinel.cli import main
from sentinel.errors import ConfigError
from sentinel.io.kafka import KafkaSettings
from sentinel.io.kafka_options import parse_kafka_options, settable_options
from sentinel.io.rdkafka_config import (
    CONSUMER_KAFKA_PYTHON_ONLY,
    CONSUMER_NAMES,
    FIXED,
    KAFKA_PYTHON_ONLY,
    NAMES,
    consumer_config,
    producer_config,
)

# One valid text value for every mapped option (files need not exist: no TLS is set up
# while the protocol is SASL_PLAINTEXT).
EVERY_MAPPED = {
    "allow_auto_create_topics": "true",
    "batch_size": "100000",
    "client_dns_lookup": "use_all_dns_ips",
    "client_id": "sentinel-7",
    "compression_type": "LZ4",
    "connections_max_idle_ms": "60000",
    "delivery_timeout_ms": "60000",
    "enable_idempotence": "true",
    "linger_ms": "5",
    "max_in_flight_requests_per_connection": "5",
    "max_request_size": "2000000",
    "metadata_max_age_ms": "60000",
    "receive_buffer_bytes": "65536",
    "receive_message_max_bytes": "100000000",
    "reconnect_backoff_max_ms": "2000",
    "reconnect_backoff_ms": "50",
    "request_timeout_ms": "30000",
    "retries": "5",
    "retry_backoff_ms": "100",
    "sasl_kerberos_service_name": "kafka",
    "sasl_mechanism": "SCRAM-SHA-512",
    "sasl_plain_password": "secret",
    "sasl_plain_username": "sentinel",
    "security_protocol": "SASL_PLAINTEXT",
    "send_buffer_bytes": "65536",
    "ssl_cafile": "/etc/kafka/ca.pem",
    "ssl_certfile": "/etc/kafka/client.pem",
    "ssl_check_hostname": "false",
    "ssl_ciphers": "HIGH",
    "ssl_crlfile": "/etc/kafka/crl.pem",
    "ssl_keyfile": "/etc/kafka/client.key",
    "ssl_password": "secret",
}


def _config(*pairs: str) -> dict[str, Any]:
    settings = KafkaSettings(
        bootstrap_servers="127.0.0.1:9,127.0.0.1:10",
        topics=("events",),
        client_options=parse_kafka_options(pairs),
    )
    return producer_config(settings)


def test_every_mapped_option_is_a_property_librdkafka_accepts() -> None:
    """Each mapped option, set from text, gives a configuration librdkafka builds a
    producer from (a misspelt property or a wrong value type would raise)."""
    assert set(EVERY_MAPPED) == set(NAMES)
    config = _config(*(f"{k}={v}" for k, v in EVERY_MAPPED.items()))
    assert {NAMES[k] for k in EVERY_MAPPED} <= set(config)
    Producer(config).close()  # builds without connecting


MAPPED = [
    ("hostname checks off is algorithm none", "ssl_check_hostname=false", "none"),
    ("hostname checks on is https", "ssl_check_hostname=true", "https"),
    ("a protocol in librdkafka's spelling", "security_protocol=SASL_SSL", "sasl_ssl"),
    ("a boolean as librdkafka's text", "enable_idempotence=false", "false"),
    ("the SASL password under librdkafka's name", "sasl_plain_password=pw", "pw"),
    ("an integer as is", "linger_ms=7", 7),
]


@pytest.mark.parametrize(("pair", "value"), [m[1:] for m in MAPPED], ids=[m[0] for m in MAPPED])
def test_an_option_maps_to_its_librdkafka_property(pair: str, value: object) -> None:
    """An operator's kafka-python option reaches librdkafka under its own name."""
    key = pair.partition("=")[0]
    assert _config(pair)[NAMES[key]] == value


def test_what_sentinel_fixes_is_fixed() -> None:
    """acks=all whatever the options say, Java's murmur2 partitioning, a random partition
    per keyless record, the request limit, the reconnect cap, the kafka-python sink's
    batching, and kafka-python's idempotence and delivery timeout."""
    config = _config("acks=1")
    assert config["acks"] == "all"
    assert config["partitioner"] == "murmur2_random"
    assert config["sticky.partitioning.linger.ms"] == 0
    assert config["bootstrap.servers"] == "127.0.0.1:9,127.0.0.1:10"
    assert config["message.max.bytes"] == KafkaSettings("b", ()).max_request_bytes
    assert config["reconnect.backoff.max.ms"] == 1000
    assert (config["linger.ms"], config["batch.size"]) == (50, 256 * 1024)
    assert config["enable.idempotence"] == "true"
    assert config["delivery.timeout.ms"] == KafkaProducer.DEFAULT_CONFIG["delivery_timeout_ms"]
    assert config["client.id"] == "sentinel"


def test_consumer_and_kafka_python_only_options_stay_with_the_consumer() -> None:
    """Options only the consumer reads, and kafka-python's own machinery, do not reach
    librdkafka and do not stop the start."""
    config = _config("session_timeout_ms=20000", "api_version=3.9.0", "metrics_enabled=false")
    assert not any("session" in k or "api" in k or "metrics" in k for k in config)


REFUSED = [
    ("a proxy librdkafka cannot use", ["socks5_proxy=SECRET"], "`socks5_proxy`"),
    ("every such option at once", ["max_block_ms=5", "proxy_url=SECRET"], "`max_block_ms`, `"),
    ("a transactional producer", ["transactional_id=SECRET"], "`transactional_id`"),
    ("OAUTHBEARER needs a token callback", ["sasl_mechanism=OAUTHBEARER"], "OAUTHBEARER"),
    ("GSSAPI is not in the wheel's librdkafka", ["sasl_mechanism=GSSAPI"], "GSSAPI"),
]


@pytest.mark.parametrize(
    ("pairs", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_an_option_librdkafka_cannot_honour_stops_the_start(pairs: list[str], message: str) -> None:
    """Such an option is refused by name, never dropped, never echoing its value."""
    with pytest.raises(ConfigError) as error:
        _config(*pairs)
    assert message in str(error.value) and "SECRET" not in str(error.value)


def test_every_producer_option_is_mapped_fixed_kept_or_refused() -> None:
    """Each producer option text can set is in exactly one of the mapping's classes; the
    rest are refused (checked above), so none can slip through unmapped."""
    producer = {o for o in settable_options() if o in KafkaProducer.DEFAULT_CONFIG}
    classes = [set(NAMES), set(KAFKA_PYTHON_ONLY), set(FIXED)]
    assert sum(len(c) for c in classes) == len(set().union(*classes))
    for option in producer - set().union(*classes):
        with pytest.raises(ConfigError, match=f"`{option}`"):
            _config(f"{option}=1")


# One valid text value for every consumer option mapped beside the shared ones.
EVERY_CONSUMER_MAPPED = {
    "auto_offset_reset": "latest",
    "check_crcs": "false",
    "client_rack": "rack-a",
    "fetch_max_bytes": "70000000",
    "fetch_max_wait_ms": "100",
    "fetch_min_bytes": "1",
    "group_instance_id": "sentinel-0",
    "heartbeat_interval_ms": "3000",
    "isolation_level": "read_committed",
    "max_partition_fetch_bytes": "2000000",
    "max_poll_interval_ms": "300000",
    "request_timeout_ms": "30000",
    "session_timeout_ms": "45000",
}


def _consumer_config(*pairs: str) -> dict[str, Any]:
    settings = KafkaSettings(
        bootstrap_servers="127.0.0.1:9",
        topics=("events",),
        group_id="g",
        client_options=parse_kafka_options(pairs),
    )
    return consumer_config(settings)


def test_every_mapped_consumer_option_is_a_property_librdkafka_accepts() -> None:
    """Each consumer option and each shared option a consumer reads, set from text, gives a
    configuration librdkafka builds a consumer from."""
    assert set(EVERY_CONSUMER_MAPPED) == set(CONSUMER_NAMES)
    shared = {k: v for k, v in EVERY_MAPPED.items() if k in KafkaConsumer.DEFAULT_CONFIG}
    pairs = {**shared, **EVERY_CONSUMER_MAPPED}
    config = _consumer_config(*(f"{k}={v}" for k, v in pairs.items()))
    assert {CONSUMER_NAMES[k] for k in EVERY_CONSUMER_MAPPED} <= set(config)
    assert config["session.timeout.ms"] == 45000 and config["auto.offset.reset"] == "latest"
    Consumer(config).close()  # builds without connecting


def test_what_sentinel_fixes_on_the_consumer_is_fixed() -> None:
    """The group, commits by sentinel only, the earliest offset for a new group, the
    kafka-python path's message and fetch limits (with room for a whole fetch in one
    receive), the reconnect cap; producer options stay with the producer."""
    config = _consumer_config("linger_ms=5", "max_poll_records=50")
    assert config["group.id"] == "g"
    assert config["enable.auto.commit"] is False
    assert config["enable.auto.offset.store"] is False
    assert config["auto.offset.reset"] == "earliest"
    assert config["max.partition.fetch.bytes"] == KafkaSettings("b", ()).max_message_bytes
    assert config["fetch.max.bytes"] == 64 * 1024 * 1024
    assert config["receive.message.max.bytes"] > config["fetch.max.bytes"]
    assert config["reconnect.backoff.max.ms"] == 1000
    assert not any("linger" in k or "poll.records" in k for k in config)


def test_a_consumer_option_librdkafka_cannot_honour_stops_the_start() -> None:
    """A consumer option with no librdkafka equivalent is refused by name, not its value."""
    with pytest.raises(ConfigError) as error:
        _consumer_config("socks5_proxy=SECRET", "sasl_mechanism=PLAIN")
    assert "`socks5_proxy`" in str(error.value) and "input client" in str(error.value)
    assert "SECRET" not in str(error.value)


def test_every_consumer_option_is_mapped_kept_or_refused() -> None:
    """Each consumer option text can set is mapped, kept by kafka-python or refused."""
    consumer = {o for o in settable_options() if o in KafkaConsumer.DEFAULT_CONFIG}
    known = set(NAMES) | set(CONSUMER_NAMES) | set(CONSUMER_KAFKA_PYTHON_ONLY)
    for option in consumer - known:
        with pytest.raises(ConfigError, match=f"`{option}`"):
            _consumer_config(f"{option}=1")


CLIENTS = [("output", "sentinel.io.confluent"), ("input", "sentinel.io.confluent_source")]


@pytest.mark.parametrize("client", [client for client, _ in CLIENTS])
def test_run_refuses_an_unmappable_option_before_connecting(client: str) -> None:
    """Nothing listens on port 9: `--output-client confluent` and `--input-client
    confluent` each refuse the option first, naming their client."""
    args = ["run", "--bootstrap-servers", "127.0.0.1:9", f"--{client}-client", "confluent"]
    result = CliRunner().invoke(main, [*args, "--kafka-option", "socks5_proxy=h:1080"])
    assert result.exit_code == 2
    assert f"`socks5_proxy`: no librdkafka equivalent for the confluent {client}" in result.output


@pytest.mark.parametrize(("client", "module"), CLIENTS)
def test_run_without_confluent_kafka_says_how_to_install_it(
    client: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the package, choosing either confluent client is a usage error naming the
    extra and the option."""
    monkeypatch.setitem(sys.modules, "confluent_kafka", None)  # import fails as if absent
    monkeypatch.delitem(sys.modules, module, raising=False)
    args = ["run", "--bootstrap-servers", "127.0.0.1:9", f"--{client}-client", "confluent"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "pip install 'sentinel-llm[confluent]'" in result.output
    assert f"--{client}-client" in result.output
