"""librdkafka's log lines and client errors as sentinel's structured log events, quiet
through an outage."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import pytest
import structlog
from confluent_kafka import KafkaError

from sentinel.io import rdkafka_log
from sentinel.io.rdkafka_log import REPEAT_WINDOW_SECONDS, LibrdkafkaLog, error_logger

FAIL = "[thrd:b:9/bootstrap]: b:9/bootstrap: Connect to ipv4#127.0.0.1:9 failed"


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> list[MutableMapping[str, Any]]:
    """The librdkafka log module's events, whatever structlog configuration earlier tests left."""
    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(
        None, processors=[capture], wrapper_class=structlog.make_filtering_bound_logger(0)
    )
    monkeypatch.setattr(rdkafka_log, "log", logger)
    return capture.entries


def test_a_librdkafka_line_is_a_structured_event(logs: list[MutableMapping[str, Any]]) -> None:
    """confluent-kafka's call (level, format, facility, client, message) becomes one event
    at that level with the facility and message as fields."""
    LibrdkafkaLog().log(logging.ERROR, "%s [%s] %s", "FAIL", "rdkafka#producer-1", FAIL)
    assert logs == [
        {"event": "librdkafka", "log_level": "error", "facility": "FAIL", "message": FAIL}
    ]


def test_a_repeating_line_is_logged_once_per_window_with_the_count(
    logs: list[MutableMapping[str, Any]],
) -> None:
    """A reconnect failing every second is one line per window; the next one says how
    many were left out; another facility is not held back."""
    now = [0.0]
    lines = LibrdkafkaLog(clock=lambda: now[0])
    for second in range(int(REPEAT_WINDOW_SECONDS) + 1):
        now[0] = float(second)
        lines.log(logging.ERROR, "%s [%s] %s", "FAIL", "p", FAIL)
    lines.log(logging.WARNING, "%s [%s] %s", "GETPID", "p", "retrying")
    assert [(e["facility"], e.get("suppressed")) for e in logs] == [
        ("FAIL", None),
        ("FAIL", int(REPEAT_WINDOW_SECONDS) - 1),
        ("GETPID", None),
    ]


ERRORS = [
    ("a broker out of reach is left to readiness", KafkaError(KafkaError._TRANSPORT), []),
    ("all brokers down likewise", KafkaError(KafkaError._ALL_BROKERS_DOWN), []),
    (
        "an authentication failure is a warning",
        KafkaError(KafkaError._AUTHENTICATION),
        [("warning", "_AUTHENTICATION")],
    ),
    (
        "a fatal error is an error",
        KafkaError(KafkaError._FATAL, fatal=True),
        [("error", "_FATAL")],
    ),
]


@pytest.mark.parametrize(("error", "logged"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_client_errors_are_logged_except_the_outage_itself(
    error: KafkaError, logged: list[tuple[str, str]], logs: list[MutableMapping[str, Any]]
) -> None:
    """librdkafka's error callback logs what readiness does not already show."""
    error_logger("kafka_producer_error")(error)
    assert [(e["log_level"], e["error"]) for e in logs] == logged
    assert all(e["event"] == "kafka_producer_error" for e in logs)
