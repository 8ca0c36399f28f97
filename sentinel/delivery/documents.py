"""POST JSON documents to a webhook without blocking the consume loop.

Used for rollback decisions (`sentinel.rollback.v1`) and spend-guard throttle calls
(`sentinel.throttle.v1`). `send` puts the document on a bounded queue and returns; a daemon
thread POSTs it with the retry policy (bounded attempts; a permanent rejection is not
retried). Outcomes are counted (`ok`, `failed`, `dropped`) and the last one is the health
shown in /readyz; nothing is raised into the loop. A full queue drops the document
(counted) rather than wait.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from sentinel.delivery.config import DOCUMENT_RETRY, RetryPolicy
from sentinel.delivery.policy import retrying
from sentinel.delivery.report import NO_REPORT, DeliveryReport
from sentinel.delivery.transport import DeliveryError, HttpTransport, Transport

_QUEUE_SIZE = 100  # decisions and trips are rare (one per gate or guard per cooldown)


class DocumentSender:
    """Delivers JSON documents to one URL in order, from its own thread.

    `name` is the /readyz check and the log events' prefix (`<name>_delivered`,
    `<name>_failed`, `<name>_dropped`)."""

    def __init__(
        self,
        name: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        timeout_seconds: float = 5.0,
        max_attempts: int = 3,
        retry: RetryPolicy = DOCUMENT_RETRY,
        transport: Transport | None = None,
        report: DeliveryReport = NO_REPORT,
        logger: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self._url = url
        self._headers = dict(headers or {})
        self._timeout = timeout_seconds
        self._attempts = max_attempts
        self._retry = retry
        self._owned_transport: HttpTransport | None = None  # closed with the sender
        if transport is None:
            self._owned_transport = transport = HttpTransport()
        self._transport = transport
        self._report = report
        self._log = logger or structlog.get_logger("sentinel.delivery")
        self._sleep = sleep
        self._rng = rng
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(_QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        report.tell_health(True, "no delivery yet")

    def send(self, document: dict[str, Any]) -> None:
        """Queue `document` for delivery; never blocks, never raises."""
        self._start()
        try:
            self._queue.put_nowait(document)
        except queue.Full:
            self._report.count("dropped", 1)
            self._log.error(f"{self.name}_dropped", why="queue full")

    def close(self, timeout_seconds: float = 5.0) -> bool:
        """Deliver what is queued, then stop; False if that took longer than the timeout."""
        with self._lock:
            thread, self._thread = self._thread, None
        done = True
        if thread is not None:
            try:
                self._queue.put(None, timeout=timeout_seconds)
            except queue.Full:
                return False
            thread.join(timeout_seconds)
            done = not thread.is_alive()
        if done and self._owned_transport is not None:
            self._owned_transport.close()
        return done

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"sentinel-{self.name}", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            document = self._queue.get()
            if document is None:
                return
            self._deliver(document)

    def _deliver(self, document: dict[str, Any]) -> None:
        body = json.dumps(document, separators=(",", ":")).encode()
        attempts = retrying(self._retry, self._attempts, sleep=self._sleep, rng=self._rng)
        try:
            attempts(self._post, body)
        except Exception as exc:  # an unreachable receiver must not end the thread
            problem = _problem(exc)
            self._report.count("failed", 1)
            self._report.tell_health(False, f"last delivery failed: {problem}")
            tries = attempts.statistics.get("attempt_number", 1)
            self._log.error(f"{self.name}_failed", attempts=tries, problem=problem)
            return
        self._report.count("ok", 1)
        self._report.tell_health(True, "delivered")
        self._log.info(f"{self.name}_delivered", attempt=attempts.statistics["attempt_number"])

    def _post(self, body: bytes) -> None:
        self._transport(self._url, body, self._headers, self._timeout)


def _problem(exc: Exception) -> str:
    """What went wrong, without the receiver's answer body: `HTTP 503` or the error type."""
    if isinstance(exc, DeliveryError) and exc.status is not None:
        return f"HTTP {exc.status}"
    if isinstance(exc, DeliveryError) and exc.__cause__ is not None:
        return type(exc.__cause__).__name__
    return type(exc).__name__
