"""Liveness and readiness as plain state that the loop updates and the HTTP server reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Health:
    """`healthy`: the loop made progress recently. `ready`: every named check passes."""

    def __init__(
        self, stall_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stall_seconds = stall_seconds
        self._clock = clock
        self._last_beat = clock()
        self._checks: dict[str, tuple[bool, str]] = {}
        self._lock = threading.Lock()

    def beat(self) -> None:
        self._last_beat = self._clock()

    def set_check(self, name: str, ok: bool, detail: str = "") -> None:
        with self._lock:
            self._checks[name] = (ok, detail)

    def healthy(self) -> tuple[bool, dict[str, object]]:
        age = self._clock() - self._last_beat
        return age <= self.stall_seconds, {"last_loop_seconds_ago": round(age, 3)}

    def ready(self) -> tuple[bool, dict[str, object]]:
        with self._lock:
            checks = dict(self._checks)
        ok = bool(checks) and all(passed for passed, _ in checks.values())
        return ok, {name: {"ok": passed, "detail": d} for name, (passed, d) in checks.items()}
