"""librdkafka's log lines and client-level errors as sentinel's structured log events, for
both confluent-kafka clients (the output producer and the input consumer)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import structlog
from confluent_kafka import KafkaError

log = structlog.get_logger("sentinel.kafka")

_OUTAGE = frozenset({KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN, KafkaError._RESOLVE})
REPEAT_WINDOW_SECONDS = 30.0  # a line that repeats (a reconnect per second) is logged this often


def error_logger(event: str) -> Callable[[KafkaError], None]:
    """A client's `error_cb`: librdkafka's client-level errors logged as `event`. A broker
    out of reach is already in the log (its `FAIL` line) and in readiness (a flush waits,
    lag lookups fail); others are logged. A record an error keeps from the broker fails at
    its delivery timeout, and the sink's flush raises then."""

    def log_error(error: KafkaError) -> None:
        if not error.fatal() and error.code() in _OUTAGE:
            return
        log.log(
            logging.ERROR if error.fatal() else logging.WARNING,
            event,
            error=error.name(),
            fatal=error.fatal(),
        )

    return log_error


def error_name(exc: BaseException) -> str:
    """The librdkafka error a confluent-kafka exception carries (`_TRANSPORT`, ...), else
    the exception's class: what a log line or an error message names, never a payload."""
    error = exc.args[0] if exc.args else None
    return error.name() if isinstance(error, KafkaError) else type(exc).__name__


class LibrdkafkaLog:
    """confluent-kafka's `logger`: librdkafka's lines as structured events (no payloads:
    librdkafka logs brokers, topics and protocol states). A line of the same facility
    and level within REPEAT_WINDOW_SECONDS of the last one is counted, not logged; the
    next one logged says how many were (`suppressed`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: dict[tuple[int, str], tuple[float, int]] = {}

    def log(self, level: int, fmt: str, *args: Any) -> None:
        facility, _client, message = (*args, "", "", "")[:3]
        now, key = self._clock(), (level, str(facility))
        logged_at, suppressed = self._last.get(key, (float("-inf"), 0))
        if now - logged_at < REPEAT_WINDOW_SECONDS:
            self._last[key] = (logged_at, suppressed + 1)
            return
        self._last[key] = (now, 0)
        extra = {"suppressed": suppressed} if suppressed else {}
        log.log(level, "librdkafka", facility=facility, message=message, **extra)
