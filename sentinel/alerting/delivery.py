"""One delivery machinery for every receiver: queue, resend schedule, retries, a thread.

A `Notifier` is an `AlertListener`: `notify()` only records the new state under a lock and
wakes the notifier's thread, so the consume loop never waits on the network. The thread
calls `tick()`, which

1. every resend interval queues every firing alert again, and every alert resolved less
   than `resolved_resend_seconds` ago (Alertmanager needs both: a firing alert expires at
   its endsAt, and a resolution may be missed by one replica);
2. sends the queued alerts (oldest first, `encoder.batch_size` per request) unless a retry
   is not yet due;
3. on failure puts the batch back, counts the failure and waits the retry policy's
   backoff (`sentinel.delivery.Backoff`: exponential with jitter); a failing receiver is
   logged and counted, it never raises into the caller. A batch the receiver refused for
   good (a 4xx but 408, 425, 429) is dropped instead of put back: it would be refused
   again and hold every alert behind it; firing alerts in it go again at the next resend.

The queue keeps the LATEST state per fingerprint (a firing alert resolved during an outage
is sent once, as resolved) and holds at most `max_queue` alerts: beyond it the oldest is
dropped and counted (`result="dropped"`). Schedules run on the wall clock; the alert's own
times (`starts_at`, `ends_at`) are event time.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import structlog

from sentinel.alerting.encode import Encoder
from sentinel.alerting.model import Alert
from sentinel.delivery import (
    NO_REPORT,
    Backoff,
    DeliveryError,
    DeliveryReport,
    HttpTransport,
    RetryPolicy,
    Transport,
)

log = structlog.get_logger("sentinel.alerting")

_IDLE = math.inf  # nothing scheduled: the thread sleeps until notify() or close() wakes it


@dataclass(frozen=True)
class DeliverySettings:
    """How one receiver is fed. `resend_interval_seconds=None`: transitions only."""

    resend_interval_seconds: float | None = 60.0
    resolved_resend_seconds: float = 900.0
    request_timeout_seconds: float = 10.0
    max_queue: int = 1000
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    unhealthy_after_failures: int = 3


class Notifier:
    """Delivers alert states to one receiver URL; see the module docstring."""

    def __init__(
        self,
        name: str,
        url: str,
        encoder: Encoder,
        settings: DeliverySettings,
        *,
        headers: Mapping[str, str] | None = None,
        report: DeliveryReport = NO_REPORT,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self._url = url.rstrip("/") + encoder.path
        self._encoder = encoder
        self._settings = settings
        self._headers = dict(headers or {})
        self._report = report
        self._owned_transport: HttpTransport | None = None  # closed with the notifier
        if transport is None:
            self._owned_transport = transport = HttpTransport()
        self._transport = transport
        self._clock = clock
        self._backoff = Backoff(settings.retry, rng or random.Random())
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: OrderedDict[str, Alert] = OrderedDict()
        self._firing: dict[str, Alert] = {}
        self._resolved: OrderedDict[str, tuple[Alert, float]] = OrderedDict()  # -> until
        now = clock()
        interval = settings.resend_interval_seconds
        self._next_resend = now + interval if interval is not None else _IDLE
        self._next_attempt = now
        self._failures = 0
        self._last_error = ""
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._deadline = _IDLE

    # -- the caller's side ---------------------------------------------------------------

    def notify(self, alert: Alert) -> None:
        """Record a transition (firing or resolved) and wake the sender; never blocks on I/O."""
        fingerprint = alert.fingerprint
        with self._lock:
            if self._stopping:
                return
            if self._settings.resend_interval_seconds is not None:
                self._remember(fingerprint, alert, self._clock())
            self._pending[fingerprint] = alert
            self._pending.move_to_end(fingerprint)
            dropped = self._trim()
        self._wake.set()
        self._count_dropped(dropped)

    def start(self) -> None:
        """Start the background sender (a daemon thread); idempotent."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"alerts-{self.name}", daemon=True
            )
            self._thread.start()
            self._report_health()

    def close(self, timeout_seconds: float = 5.0) -> None:
        """Stop: try to deliver what is queued for up to `timeout_seconds` (one attempt if
        the thread was never started), then drop and count the rest. Firing alerts are NOT
        resolved: if their condition still holds, the next owner raises them again, and if
        no one does, Alertmanager resolves them at their endsAt."""
        with self._lock:
            self._stopping = True
            self._deadline = self._clock() + timeout_seconds
            self._next_attempt = self._clock()  # flush now, whatever the backoff said
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_seconds + self._settings.request_timeout_seconds)
        else:
            self.tick()
        with self._lock:
            abandoned = len(self._pending)
            self._pending.clear()
        if abandoned:
            log.warning("alert_delivery_abandoned", receiver=self.name, alerts=abandoned)
            self._report.count("dropped", abandoned)
        if self._owned_transport is not None and (
            self._thread is None or not self._thread.is_alive()
        ):
            self._owned_transport.close()

    def healthy(self) -> bool:
        """False after `unhealthy_after_failures` consecutive failed requests."""
        with self._lock:
            return self._failures < self._settings.unhealthy_after_failures

    def status(self) -> str:
        """One line for /readyz: failures, queue length, last error (no alert content)."""
        with self._lock:
            if not self._failures:
                return f"ok, {len(self._pending)} queued"
            return (
                f"{self._failures} consecutive failures, {len(self._pending)} queued, "
                f"last error: {self._last_error}"
            )

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._pending)

    # -- the sender's side ---------------------------------------------------------------

    def tick(self) -> float:
        """Queue due resends, send one batch if a send is due; return the seconds until
        something is due again (`inf`: nothing until the next notify)."""
        now = self._clock()
        with self._lock:
            dropped = 0
            if not self._stopping and now >= self._next_resend:
                self._queue_resends(now)
                dropped = self._trim()
            if not self._pending or now < self._next_attempt:
                batch: list[tuple[str, Alert]] = []
            else:
                size = min(self._encoder.batch_size, len(self._pending))
                batch = [self._pending.popitem(last=False) for _ in range(size)]
        self._count_dropped(dropped)
        if batch:
            self._send(batch, now)
        with self._lock:
            if self._pending and self._next_attempt <= now:
                return 0.0
            due = [self._next_resend] if not self._stopping else []
            if self._pending:
                due.append(self._next_attempt)
            return max(0.0, min(due, default=_IDLE) - now)

    def _send(self, batch: list[tuple[str, Alert]], now: float) -> None:
        alerts = [alert for _, alert in batch]
        error, rejected = "", False
        try:
            body = self._encoder.encode(alerts, now)
            self._transport(self._url, body, self._headers, self._settings.request_timeout_seconds)
        except DeliveryError as exc:
            error, rejected = str(exc), exc.permanent
        except Exception as exc:  # habit 7: a broken receiver never reaches the caller
            error = f"unexpected {type(exc).__name__}"
        was_healthy = self.healthy()
        if not error:
            with self._lock:
                recovered, self._failures = self._failures, 0
            self._report.count("ok", len(alerts))
            if recovered:
                log.info("alert_delivery_recovered", receiver=self.name, after_failures=recovered)
        else:
            with self._lock:
                self._failures += 1
                self._last_error = error
                delay = self._backoff.after(self._failures)
                self._next_attempt = now + delay
                if rejected:  # the same batch would be refused again and block the queue
                    dropped = len(batch)
                else:
                    for fingerprint, alert in reversed(batch):
                        if fingerprint not in self._pending:  # a newer state wins
                            self._pending[fingerprint] = alert
                            self._pending.move_to_end(fingerprint, last=False)
                    dropped = self._trim()
                failures, queued = self._failures, len(self._pending)
            self._report.count("error", len(alerts))
            if rejected:
                self._report.count("dropped", dropped)
                log.warning("alert_batch_rejected", receiver=self.name, dropped=dropped)
            else:
                self._count_dropped(dropped)
            log.warning(
                "alert_delivery_failed",
                receiver=self.name,
                error=error,
                failures=failures,
                queued=queued,
                retry_in_seconds=round(delay, 3),
            )
        if self.healthy() != was_healthy:
            self._report_health()

    def _remember(self, fingerprint: str, alert: Alert, now: float) -> None:
        if alert.firing:
            self._firing[fingerprint] = alert
            self._resolved.pop(fingerprint, None)
            return
        self._firing.pop(fingerprint, None)
        if self._settings.resolved_resend_seconds > 0:
            self._resolved[fingerprint] = (alert, now + self._settings.resolved_resend_seconds)
            self._resolved.move_to_end(fingerprint)
            while len(self._resolved) > self._settings.max_queue:
                self._resolved.popitem(last=False)

    def _queue_resends(self, now: float) -> None:
        interval = self._settings.resend_interval_seconds
        assert interval is not None  # _next_resend is inf otherwise
        self._next_resend = now + interval
        for fingerprint, (_, until) in list(self._resolved.items()):
            if until <= now:
                del self._resolved[fingerprint]
        due = [*self._firing.items(), *((fp, a) for fp, (a, _) in self._resolved.items())]
        for fingerprint, alert in due:
            if fingerprint not in self._pending:
                self._pending[fingerprint] = alert

    def _trim(self) -> int:
        dropped = 0
        while len(self._pending) > self._settings.max_queue:
            self._pending.popitem(last=False)
            dropped += 1
        return dropped

    def _count_dropped(self, dropped: int) -> None:
        if dropped:
            self._report.count("dropped", dropped)
            log.warning("alert_queue_overflow", receiver=self.name, dropped=dropped)

    def _report_health(self) -> None:
        self._report.tell_health(self.healthy(), self.status())

    def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                delay = self.tick()
            except Exception as exc:  # keep delivering whatever went wrong once
                log.error("alert_sender_error", receiver=self.name, error=type(exc).__name__)
                delay = 1.0
            with self._lock:
                if self._stopping:
                    left = self._deadline - self._clock()
                    if not self._pending or left <= 0:
                        return
                    delay = min(delay, left)
            self._wake.wait(None if delay == _IDLE else delay)
