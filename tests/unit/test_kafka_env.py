"""Kafka client settings from SENTINEL_KAFKA_OPTION_* variables (secrets outside argv)."""

from __future__ import annotations

from sentinel.cli.kafka_hooks import parse_kafka_options
from sentinel.io.kafka_env import kafka_options_from_env


def test_prefixed_variables_become_lower_case_options() -> None:
    """SENTINEL_KAFKA_OPTION_SASL_PLAIN_PASSWORD=... is sasl_plain_password=...; other
    variables and an empty key are ignored; `=` inside the value is kept."""
    environ = {
        "SENTINEL_KAFKA_OPTION_SASL_PLAIN_PASSWORD": "p=w d",
        "SENTINEL_KAFKA_OPTION_SASL_PLAIN_USERNAME": "svc",
        "SENTINEL_KAFKA_OPTION_": "x",
        "KAFKA_SASL_PASSWORD": "ignored",
    }
    assert kafka_options_from_env(environ) == (
        "sasl_plain_password=p=w d",
        "sasl_plain_username=svc",
    )


def test_the_command_line_overrides_the_environment() -> None:
    """Parsed as `run` does (environment first), a --kafka-option of the same key wins and
    numeric settings are typed as usual."""
    environ = {
        "SENTINEL_KAFKA_OPTION_SECURITY_PROTOCOL": "SASL_SSL",
        "SENTINEL_KAFKA_OPTION_REQUEST_TIMEOUT_MS": "5000",
    }
    options = parse_kafka_options((*kafka_options_from_env(environ), "security_protocol=SSL"))
    assert options == {"security_protocol": "SSL", "request_timeout_ms": 5000}
