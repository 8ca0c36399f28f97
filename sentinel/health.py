"""Liveness and readiness as plain state that the loop updates and the HTTP server reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


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
