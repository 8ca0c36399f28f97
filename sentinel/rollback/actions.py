"""POST JSON documents to a webhook without blocking the consume loop.

Used for rollback decisions (`{"version": "sentinel.rollback.v1", "decision": {...}}`) and
spend-guard throttle calls (`sentinel.throttle.v1`). `send` puts the document on a bounded
queue and returns; a daemon thread POSTs it with bounded retries. Failures are logged,
counted and shown in /readyz (without failing readiness); they are never raised into the
loop. A full queue drops the document (counted) rather than wait.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from sentinel.health import Health
from sentinel.rollback.metrics import NO_METRICS, RollbackRecorder

# POST url, body, headers, timeout (seconds) -> HTTP status; raises OSError when unreachable.
Transport = Callable[[str, bytes, Mapping[str, str], float], int]

_QUEUE_SIZE = 100  # decisions and trips are rare (one per gate or guard per cooldown)
_BACKOFF_SECONDS = 1.0  # first retry delay, doubled per attempt
_PERMANENT = frozenset(range(400, 500)) - {408, 425, 429}  # a retry would get the same answer


def urllib_transport(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


class WebhookNotifier:
    def __init__(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        name: str = "rollback_webhook",
        transport: Transport = urllib_transport,
        timeout_seconds: float = 5.0,
        max_attempts: int = 3,
        backoff_seconds: float = _BACKOFF_SECONDS,
        recorder: RollbackRecorder = NO_METRICS,
        health: Health | None = None,
        logger: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = url
        self._name = name  # readiness check and log event prefix
        self._headers = {"Content-Type": "application/json", **(headers or {})}
        self._transport = transport
        self._timeout = timeout_seconds
        self._attempts = max_attempts
        self._backoff = backoff_seconds
        self._recorder = recorder
        self._health = health
        self._log = logger or structlog.get_logger("sentinel.rollback")
        self._sleep = sleep
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(_QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        if health is not None:
            health.set_info(name, True, "no delivery yet")

    def send(self, document: dict[str, Any]) -> None:
        """Queue `document` for delivery; never blocks, never raises."""
        self._start()
        try:
            self._queue.put_nowait(document)
        except queue.Full:
            self._recorder.delivery("dropped")
            self._log.error(f"{self._name}_dropped", why="queue full")

    def close(self, timeout_seconds: float = 5.0) -> bool:
        """Deliver what is queued, then stop; False if that took longer than the timeout."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return True
        try:
            self._queue.put(None, timeout=timeout_seconds)
        except queue.Full:
            return False
        thread.join(timeout_seconds)
        return not thread.is_alive()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"sentinel-{self._name}", daemon=True
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
        problem = ""
        for attempt in range(1, self._attempts + 1):
            try:
                status = self._transport(self._url, body, self._headers, self._timeout)
            except Exception as exc:  # an unreachable receiver must not end the thread
                status, problem = 0, type(exc).__name__
            else:
                if 200 <= status < 300:
                    self._recorder.delivery("ok")
                    self._set_check(True, "delivered")
                    self._log.info(f"{self._name}_delivered", attempt=attempt)
                    return
                problem = f"HTTP {status}"
            if status in _PERMANENT or attempt == self._attempts:
                break
            self._sleep(self._backoff * 2 ** (attempt - 1))
        self._recorder.delivery("failed")
        self._set_check(False, f"last delivery failed: {problem}")
        self._log.error(f"{self._name}_failed", attempts=attempt, problem=problem)

    def _set_check(self, ok: bool, detail: str) -> None:
        if self._health is not None:
            self._health.set_info(self._name, ok, detail)
