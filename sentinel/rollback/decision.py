"""Rollback decisions and gate states as plain values (what webhooks, gates and reports show).

Nothing here comes from event content: variants and gate names come from rules and
bounded labels, numbers from counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from sentinel.alerting.model import rfc3339

PAYLOAD_VERSION = "sentinel.rollback.v1"
Trigger = Literal["test", "slo_burn"]
Evidence = dict[str, float | int | str]


def decision_id(variant: str, sli: str, rollout_started_at: float, at: float) -> str:
    """Deterministic: a replay of the same events gives the same ids."""
    key = f"{variant}\x00{sli}\x00{rollout_started_at:.6f}\x00{at:.6f}"
    return "rb-" + hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Decision:
    """Roll `variant` back because of gate `sli`, decided at event time `at`."""

    id: str
    variant: str
    sli: str  # gate name, or `slo/<name>` for an SLO page
    trigger: Trigger
    reason: str
    at: float  # event time, POSIX seconds
    rollout_started_at: float  # event time of the rollout's first canary exchange
    dry_run: bool
    evidence: Evidence = field(default_factory=dict)

    @property
    def decision(self) -> str:
        """The `decision` metric label."""
        return "dry_run" if self.dry_run else "rollback"

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "variant": self.variant,
            "sli": self.sli,
            "trigger": self.trigger,
            "decision": self.decision,
            "reason": self.reason,
            "at": self.at,
            "at_rfc3339": rfc3339(self.at),
            "rollout_started_at": self.rollout_started_at,
            "evidence": dict(self.evidence),
        }


def payload(decision: Decision) -> dict[str, object]:
    """The webhook body."""
    return {"version": PAYLOAD_VERSION, "decision": decision.to_json()}


@dataclass(frozen=True)
class GateSummary:
    """One gate's counts and test result at the last evaluation."""

    name: str
    canary_bad: int
    canary_total: int
    baseline_bad: int
    baseline_total: int
    min_samples: int
    p_value: float | None  # always-valid p-value; None before both variants have min_samples
    closed: bool

    @property
    def enough_samples(self) -> bool:
        return self.canary_total >= self.min_samples and self.baseline_total >= self.min_samples

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "closed": self.closed,
            "enough_samples": self.enough_samples,
            "p_value": self.p_value,
            "canary": {"bad": self.canary_bad, "total": self.canary_total},
            "baseline": {"bad": self.baseline_bad, "total": self.baseline_total},
        }


@dataclass(frozen=True)
class GateStatus:
    """The gate of one variant as the HTTP thread reads it (an immutable snapshot)."""

    variant: str
    enabled: bool
    is_open: bool  # False once any gate closed or an SLO paged in this rollout
    gates: tuple[GateSummary, ...] = ()
    decision: Decision | None = None  # the latest decision of the current rollout
    rollout_started_at: float | None = None
    evaluated_at: float | None = None
    dry_run: bool = False  # decisions are recorded only: the gate endpoints stay open

    @property
    def enforced_open(self) -> bool:
        """What the gate endpoints answer: a dry run never closes them."""
        return self.is_open or self.dry_run

    @property
    def enough_samples(self) -> bool:
        return all(g.enough_samples for g in self.gates)  # no test gates: nothing to wait for
