"""Liveness and readiness as plain state that the loop updates and the HTTP server reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog


class Health:
    """`healthy`: the loop made progress recently. `ready`: every critical check passes.

    Non-critical checks (alert receivers, webhooks) are shown in /readyz but do not fail
    it: an Alertmanager outage must not make Prometheus stop scraping sentinel."""

    def __init__(
        self, stall_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stall_seconds = stall_seconds
        self._clock = clock
        self._last_beat = clock()
        self._checks: dict[str, tuple[bool, str, bool]] = {}
        self._lock = threading.Lock()

    def beat(self) -> None:
        self._last_beat = self._clock()

    def set_check(self, name: str, ok: bool, detail: str = "", critical: bool = True) -> None:
        with self._lock:
            self._checks[name] = (ok, detail, critical)

    def set_info(self, name: str, ok: bool, detail: str = "") -> None:
        """A check shown in /readyz that does not affect readiness."""
        self.set_check(name, ok, detail, critical=False)

    def healthy(self) -> tuple[bool, dict[str, object]]:
        age = self._clock() - self._last_beat
        return age <= self.stall_seconds, {"last_loop_seconds_ago": round(age, 3)}

    def ready(self) -> tuple[bool, dict[str, object]]:
        with self._lock:
            checks = dict(self._checks)
        ok = bool(checks) and all(passed for passed, _, crit in checks.values() if crit)
        return ok, {
            name: {"ok": passed, "detail": d, **({} if crit else {"critical": False})}
            for name, (passed, d, crit) in checks.items()
        }


class ContactWatch:
    """When a dependency (the Kafka broker) last answered. Consume loop only: `ok()` on
    an answer, `failed()` when a call to it failed; `down` once it has not answered for
    longer than `grace_seconds`. The outage and the recovery are logged once each."""

    def __init__(
        self,
        name: str,
        grace_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.grace_seconds = grace_seconds
        self._clock = clock
        self._failing_since: float | None = None
        self._reported = False
        self._log = structlog.get_logger("sentinel.health")

    def ok(self) -> None:
        since = self._failing_since
        if since is not None:
            self._log.info(
                "dependency_recovered",
                dependency=self.name,
                unreachable_seconds=round(self._clock() - since, 1),
            )
        self._failing_since = None
        self._reported = False

    def failed(self, why: str) -> None:
        now = self._clock()
        if self._failing_since is None:
            self._failing_since = now
            self._log.warning("dependency_unanswered", dependency=self.name, error=why)
        if not self._reported and now - self._failing_since > self.grace_seconds:
            self._reported = True
            self._log.error(
                "dependency_unreachable",
                dependency=self.name,
                seconds=round(now - self._failing_since, 1),
                grace_seconds=self.grace_seconds,
            )

    @property
    def failing(self) -> bool:
        return self._failing_since is not None

    @property
    def down(self) -> bool:
        since = self._failing_since
        return since is not None and self._clock() - since > self.grace_seconds

    def detail(self) -> str:
        since = self._failing_since
        seconds = 0.0 if since is None else self._clock() - since
        return f"{self.name} unreachable for {seconds:.0f} s (grace {self.grace_seconds:g} s)"
