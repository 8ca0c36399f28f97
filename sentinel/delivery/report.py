"""One way for every sender to say how delivery goes: outcomes counted, health reported.

A sender calls `count(result, n)` and `health(ok, detail)`; the wiring binds them to a
Prometheus counter (`sentinel.telemetry.delivery`) and a `/readyz` check. Both default to
no-ops, so senders run in tests and replays without either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import structlog

# ok: accepted · error: one attempt failed, it will be retried (alert queues)
# failed: given up after its attempts (documents) · dropped: never sent (queue full, stop)
Result = Literal["ok", "error", "failed", "dropped"]
CountResult = Callable[[Result, int], None]
ReportHealth = Callable[[bool, str], None]  # (healthy, one line without content)

log = structlog.get_logger("sentinel.delivery")


def _count_nothing(result: Result, count: int) -> None:
    pass


def _report_nothing(ok: bool, detail: str) -> None:
    pass


@dataclass(frozen=True)
class DeliveryReport:
    """Where one sender's outcomes and health go."""

    count: CountResult = _count_nothing
    health: ReportHealth = _report_nothing

    def tell_health(self, ok: bool, detail: str) -> None:
        """Report health; a failing health board never stops delivery."""
        try:
            self.health(ok, detail)
        except Exception as exc:
            log.error("delivery_health_report_failed", error=type(exc).__name__)


NO_REPORT = DeliveryReport()


def health_check(set_check: Callable[[str, bool, str], None], name: str) -> ReportHealth:
    """Bind a health board's `set_check(name, ok, detail)` to one check name."""

    def report(ok: bool, detail: str) -> None:
        set_check(name, ok, detail)

    return report
