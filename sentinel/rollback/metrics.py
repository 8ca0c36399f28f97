"""What the rollback engine records: decisions and gate states (Prometheus objects live in
`sentinel.telemetry.rollback`). `NO_METRICS` records nothing."""

from __future__ import annotations

from typing import Protocol


class RollbackRecorder(Protocol):
    def decision(self, variant: str, sli: str, decision: str) -> None: ...

    def gate(self, variant: str, is_open: bool) -> None: ...


class _NoMetrics:
    def decision(self, variant: str, sli: str, decision: str) -> None:
        pass

    def gate(self, variant: str, is_open: bool) -> None:
        pass


NO_METRICS: RollbackRecorder = _NoMetrics()
