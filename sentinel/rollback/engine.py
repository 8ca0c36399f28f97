"""Canary-versus-baseline rollback decisions, in event time.

A rollout starts with the first minute holding canary exchanges; from then on both variants'
exchanges are classified per gate (good / bad / not counted, by `sentinel.slo.sli.classify`)
and counted per event-time minute (cells, summed over partitions by the global view). Every
`evaluate_every_seconds` of event time, each gate whose variants both have their minimum
samples is tested (`stats.msprt`); its always-valid p-value is the running minimum over
looks, and the gate closes for the rest of the rollout once that falls to its share of
alpha. A closed gate decides "roll back" at once and again after each cooldown while it
stays closed. A rollout ends (counts reset, gate open) after `reset_after_idle_seconds`
without canary traffic, or on `reset`.

An evaluation at `at` reads the minutes before `at`'s minute ends (the caller evaluates
only once they are complete), so every replica, and a replay, decides the same from the
same counts. The consume loop calls `cells` (or `observe`), `add`, `evaluate` and
`on_slo_burns` (or `on_slo_page`); the HTTP thread only reads `status`, an immutable
snapshot replaced after each change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Protocol

import structlog

from sentinel.rollback import gates
from sentinel.rollback.config import Gate, RollbackRules
from sentinel.rollback.decision import (
    Decision,
    Evidence,
    GateStatus,
    GateSummary,
    decision_id,
    payload,
)
from sentinel.rollback.metrics import NO_METRICS, RollbackRecorder
from sentinel.rollback.stats import Look, msprt
from sentinel.slo.engine import Emit, SloBurn
from sentinel.slo.sli import SliSpec, classify
from sentinel.state.cells import CellKey, bucket_of, bucket_start
from sentinel.values import Accounted, Verdict

_HISTORY = 10_000  # decisions kept for reports: at most one per gate per cooldown
_LOG_E_FLOOR = -1e6  # stands for "no evidence at all" (log Λ = -inf) in JSON evidence
GATE, CANARY = "gate", "canary"  # cell families: per-gate arm counts; canary exchanges
_ARMS = ("canary", "baseline")


class Notifier(Protocol):
    """Where live (not dry-run) decisions go; must not block or raise."""

    def send(self, document: dict[str, Any]) -> None: ...

    def close(self, timeout_seconds: float = 5.0) -> bool: ...


@dataclass
class _Arm:
    bad: float = 0.0
    total: float = 0.0


@dataclass
class _GateState:
    gate: Gate
    spec: SliSpec
    canary: _Arm = field(default_factory=_Arm)
    baseline: _Arm = field(default_factory=_Arm)
    min_p: float | None = None
    look: Look | None = None
    closed: bool = False
    last_decision_at: float | None = None

    def summary(self) -> GateSummary:
        return GateSummary(
            self.gate.name,
            round(self.canary.bad),
            round(self.canary.total),
            round(self.baseline.bad),
            round(self.baseline.total),
            self.gate.min_samples_per_variant,
            self.min_p,
            self.closed,
        )


@dataclass
class _SloState:
    last_decision_at: float | None = None


class RollbackEngine:
    def __init__(
        self,
        rules: RollbackRules,
        *,
        recorder: RollbackRecorder = NO_METRICS,
        notifier: Notifier | None = None,
        logger: Any = None,
    ) -> None:
        self.rules = rules
        self.canary = rules.canary_variant
        self.baseline = rules.baseline_variant
        self._recorder = recorder
        self._notifier = notifier
        self._log = logger or structlog.get_logger("sentinel.rollback")
        self._gate_alpha = rules.alpha / max(len(rules.gates), 1)  # Bonferroni across gates
        self._scope_by_name = [
            (name, frozenset(values))
            for name, values in rules.scope.model_dump().items()
            if values is not None
        ]
        self._scope = [(attrgetter(name), allowed) for name, allowed in self._scope_by_name]
        self._gates: list[_GateState] = []
        self._slos: dict[str, _SloState] = {}
        self._started_at: float | None = None
        self._last_canary_at: float | None = None
        # Counts per event-time minute: bucket -> per gate [canary bad, total, baseline
        # bad, total]; canary exchanges per minute. Minutes up to `_upto` were read.
        self._minutes: dict[int, list[list[float]]] = {}
        self._canary_minutes: dict[int, float] = {}
        self._upto: int | None = None
        self._next_evaluation: float | None = None
        self._latest: Decision | None = None
        self._evaluated_at: float | None = None
        self._history: deque[Decision] = deque(maxlen=_HISTORY)
        self._reset_state()
        self._status = self._snapshot()
        if rules.enabled:
            recorder.gate(self.canary, True)

    # -- the consume loop -------------------------------------------------------------

    def observe(self, item: Accounted, verdict: Verdict) -> None:
        """Count one accounted exchange here (a single process with no shared state)."""
        self.cells(item, verdict, self._add_now)

    def _add_now(self, key: CellKey, event_time: float, first: float, second: float) -> None:
        self.add(key[0], key[1], key[2], bucket_of(event_time), first, second)

    def cells(self, item: Accounted, verdict: Verdict, emit: Emit) -> None:
        """Classify one exchange: `emit((canary, 0, ()), t, 1, 1)` for a canary exchange
        and `emit((gate, gate index, (arm,)), t, bad, 1)` for every gate it counts in."""
        if not self.rules.enabled:
            return
        labels = item.labels
        if any(get(labels) not in allowed for get, allowed in self._scope):
            return
        variant = labels.variant
        if variant == self.canary:
            arm = "canary"
            emit((CANARY, 0, ()), item.event_time, 1.0, 1.0)
        elif variant == self.baseline:
            arm = "baseline"
        else:
            return  # another variant
        for index, spec in enumerate(self._specs):
            good = classify(item, verdict, spec)
            if good is None:
                continue
            emit((GATE, index, (arm,)), item.event_time, 0.0 if good else 1.0, 1.0)

    def add(
        self,
        family: str,
        index: int,
        labels: tuple[str, ...],
        bucket: int,
        first: float,
        second: float,
    ) -> None:
        """Add counts of one minute (from the global view; negative takes back)."""
        if family == CANARY:
            if self._upto is not None and bucket <= self._upto:
                if second > 0:  # a minute already read: the canary is seen now
                    self._canary_in(bucket)
            else:
                self._canary_minutes[bucket] = self._canary_minutes.get(bucket, 0.0) + second
            return
        if family != GATE or index >= len(self._specs) or not labels or labels[0] not in _ARMS:
            return
        canary = labels[0] == "canary"
        if self._upto is not None and bucket <= self._upto:
            # A minute already read: it counts at once if inside the rollout, else never.
            start = self._started_minute()
            if start is None or bucket < start:
                return
            state = self._gates[index]
            arm = state.canary if canary else state.baseline
            arm.bad += first
            arm.total += second
            return
        row = self._minutes.get(bucket)
        if row is None:
            row = self._minutes[bucket] = [[0.0, 0.0, 0.0, 0.0] for _ in self._specs]
        offset = 0 if canary else 2
        row[index][offset] += first
        row[index][offset + 1] += second

    def _canary_in(self, minute: int) -> None:
        """Canary exchanges in `minute`: start a rollout (after an idle gap, a new one)."""
        last, idle = self._last_canary_at, self.rules.reset_after_idle_seconds
        if last is not None and idle is not None and bucket_start(minute) - last > idle:
            self._end_rollout(bucket_start(minute), "idle")
        if self._started_at is None:
            self._started_at = bucket_start(minute)
            self._log.info("rollout_started", variant=self.canary, at=self._started_at)
        end = bucket_start(minute + 1)  # the minute's end
        if self._last_canary_at is None or end > self._last_canary_at:
            self._last_canary_at = end

    def _started_minute(self) -> int | None:
        return None if self._started_at is None else bucket_of(self._started_at)

    def _read_minutes(self, at: float) -> None:
        """Move the rollout through the complete minutes before `at`'s minute ends."""
        upto = bucket_of(at - 1e-9)
        first = (
            self._upto + 1
            if self._upto is not None
            else min([*self._minutes, *self._canary_minutes], default=upto + 1)
        )
        for minute in range(first, upto + 1):
            if self._canary_minutes.pop(minute, 0.0) > 0:
                self._canary_in(minute)
            row = self._minutes.pop(minute, None)
            if row is not None and self._started_at is not None:
                for state, (cb, ct, bb, bt) in zip(self._gates, row, strict=True):
                    state.canary.bad += cb
                    state.canary.total += ct
                    state.baseline.bad += bb
                    state.baseline.total += bt
        self._upto = max(upto, self._upto if self._upto is not None else upto)

    def evaluate(self, at: float) -> list[Decision]:
        """Test the gates at event time `at` (at most every `evaluate_every_seconds`)."""
        if not self.rules.enabled:
            return []
        if self._next_evaluation is not None and at < self._next_evaluation:
            return []
        self._next_evaluation = at + self.rules.evaluate_every_seconds
        self._read_minutes(at)
        idle = self.rules.reset_after_idle_seconds
        if (
            idle is not None
            and self._last_canary_at is not None
            and at - self._last_canary_at > idle
        ):
            self._end_rollout(at, "idle")
        decisions = []
        for state in self._gates:
            self._test(state)
            if state.closed and _cooled(state.last_decision_at, at, self.rules.cooldown_seconds):
                state.last_decision_at = at
                decisions.append(self._test_decision(state, at))
        self._evaluated_at = at
        for decision in decisions:
            self._emit(decision)
        self._publish()
        return decisions

    def on_slo_page(self, variant: str, slo_name: str, at: float) -> Decision | None:
        """An SLO burn-rate page for `variant` at event time `at`: roll back the canary if
        `slo_burn` is on, the SLO may trigger, a rollout runs and the SLO is not cooling."""
        burn = self.rules.slo_burn
        if not (self.rules.enabled and burn.enabled) or variant != self.canary:
            return None
        self._read_minutes(at)
        if (burn.slos and slo_name not in burn.slos) or self._started_at is None:
            return None
        state = self._slos.setdefault(slo_name, _SloState())
        if not _cooled(state.last_decision_at, at, self.rules.cooldown_seconds):
            return None
        state.last_decision_at = at
        sli = f"slo/{slo_name}"
        decision = Decision(
            id=decision_id(variant, sli, self._started_at, at),
            variant=variant,
            sli=sli,
            trigger="slo_burn",
            reason=f"SLO {slo_name} pages for variant {variant} (error budget burn rate)",
            at=at,
            rollout_started_at=self._started_at,
            dry_run=self.rules.dry_run,
            evidence={"slo": slo_name},
        )
        self._emit(decision)
        self._publish()
        return decision

    def on_slo_burns(self, burns: Iterable[SloBurn], at: float) -> list[Decision]:
        """Feed the SLO alerts firing at tick `at`, as the SLO engine's structured results
        (not alert labels): every page of a series with a `variant` (SLOs evaluated
        `by: [variant]`) whose labels are inside the scope goes to `on_slo_page`."""
        decisions = []
        for burn in burns:
            labels = burn.labels
            if burn.urgency != "page" or "variant" not in labels:
                continue
            if any(
                labels.get(name) not in allowed
                for name, allowed in self._scope_by_name
                if name in labels
            ):
                continue
            decision = self.on_slo_page(labels["variant"], burn.slo.name, at)
            if decision is not None:
                decisions.append(decision)
        return decisions

    def reset(self, at: float) -> None:
        """End the current rollout (a new canary starts from zero, the gate opens)."""
        if self._started_at is not None:
            self._end_rollout(at, "reset")
            self._publish()

    def resend_after(self, since: float) -> None:
        """Send again the live decisions made after event time `since` (a new leader
        delivers what was decided while no replica led)."""
        if self._notifier is None:
            return
        for decision in list(self._history):
            if decision.at > since and not decision.dry_run:
                self._notifier.send(payload(decision))

    def close(self, timeout_seconds: float = 5.0) -> bool:
        """Deliver what is queued (at shutdown); False if that did not finish in time."""
        return self._notifier.close(timeout_seconds) if self._notifier is not None else True

    # -- readers ----------------------------------------------------------------------

    def status(self, variant: str) -> GateStatus | None:
        """The gate of `variant` (thread-safe); None for a variant that is not gated."""
        return self._status if variant == self.canary else None

    def handle_gate(self, path: str, query: dict[str, list[str]]) -> gates.Response | None:
        """The gate endpoints for the HTTP server; None when `path` is not one of them."""
        return gates.handle_gate(self.status, self.canary, path, query)

    def canary_report(self) -> dict[str, Any] | None:
        """The canary gates of the current rollout: per gate, bad / total of each variant
        (None when rollback is off or no gate is kept)."""
        if not self.rules.enabled:
            return None
        status = self.status(self.canary)
        if status is None:
            return None
        return {
            "variant": self.canary,
            "baseline_variant": self.baseline,
            "open": status.is_open,
            "dry_run": status.dry_run,
            "gates": [gate.to_json() for gate in status.gates],
        }

    def history(self) -> list[dict[str, object]]:
        """Decisions so far, oldest first, for `replay --report json`."""
        return [
            {
                "id": d.id,
                "variant": d.variant,
                "sli": d.sli,
                "trigger": d.trigger,
                "decision": d.decision,
                "reason": d.reason,
                "at": d.at,
            }
            for d in self._history
        ]

    # -- internals --------------------------------------------------------------------

    def _end_rollout(self, at: float, why: str) -> None:
        self._log.info("rollout_ended", variant=self.canary, at=at, why=why)
        self._reset_state()
        self._recorder.gate(self.canary, True)

    def _reset_state(self) -> None:
        self._specs = [SliSpec(gate.sli.kind, gate.sli.threshold) for gate in self.rules.gates]
        self._gates = [
            _GateState(gate, SliSpec(gate.sli.kind, gate.sli.threshold))
            for gate in self.rules.gates
        ]
        self._slos = {}
        self._started_at = None
        self._last_canary_at = None
        self._latest = None

    def _test(self, state: _GateState) -> None:
        minimum = state.gate.min_samples_per_variant
        if state.canary.total < minimum or state.baseline.total < minimum:
            return
        limit = state.gate.max_degradation
        look = msprt(
            round(state.canary.bad),
            round(state.canary.total),
            round(state.baseline.bad),
            round(state.baseline.total),
            relative=limit.relative,
            absolute=limit.absolute,
            mixture_sd=state.gate.mixture_sd,
        )
        state.look = look
        state.min_p = look.p_value if state.min_p is None else min(state.min_p, look.p_value)
        if state.min_p <= self._gate_alpha and not state.closed:
            state.closed = True
            self._recorder.gate(self.canary, False)

    def _test_decision(self, state: _GateState, at: float) -> Decision:
        assert state.look is not None and state.min_p is not None
        assert self._started_at is not None
        look, c, b = state.look, state.canary, state.baseline
        name = state.gate.name
        evidence: Evidence = {
            "test": self.rules.test,
            "canary_bad": round(c.bad),
            "canary_total": round(c.total),
            "canary_rate": look.canary_rate,
            "baseline_bad": round(b.bad),
            "baseline_total": round(b.total),
            "baseline_rate": look.baseline_rate,
            "allowed_rate": look.allowed_rate,
            "excess": look.excess,
            "z": look.z,
            "log_e_value": max(look.log_e_value, _LOG_E_FLOOR),  # JSON has no -inf
            "p_value": state.min_p,
            "alpha": self._gate_alpha,
            "max_degradation_absolute": state.gate.max_degradation.absolute,
            "max_degradation_relative": state.gate.max_degradation.relative,
            "mixture_sd": state.gate.mixture_sd,
        }
        reason = (
            f"{name}: bad rate of {self.canary} {look.canary_rate:.3%} ({c.bad:.0f}/{c.total:.0f}) "
            f"exceeds the allowed {look.allowed_rate:.3%} (baseline {look.baseline_rate:.3%}, "
            f"{b.bad:.0f}/{b.total:.0f}); {self.rules.test} p={state.min_p:.3g} <= alpha "
            f"{self._gate_alpha:.3g}"
        )
        return Decision(
            id=decision_id(self.canary, name, self._started_at, at),
            variant=self.canary,
            sli=name,
            trigger="test",
            reason=reason,
            at=at,
            rollout_started_at=self._started_at,
            dry_run=self.rules.dry_run,
            evidence=evidence,
        )

    def _emit(self, decision: Decision) -> None:
        self._latest = decision
        self._history.append(decision)
        self._recorder.decision(decision.variant, decision.sli, decision.decision)
        self._recorder.gate(decision.variant, False)
        self._log.warning(
            "rollback_decision",
            id=decision.id,
            variant=decision.variant,
            sli=decision.sli,
            trigger=decision.trigger,
            dry_run=decision.dry_run,
            at=decision.at,
            p_value=decision.evidence.get("p_value"),
        )
        if not decision.dry_run and self._notifier is not None:
            self._notifier.send(payload(decision))

    def _is_open(self) -> bool:
        return self._latest is None and not any(s.closed for s in self._gates)

    def _snapshot(self) -> GateStatus:
        return GateStatus(
            variant=self.canary,
            enabled=self.rules.enabled,
            is_open=self._is_open(),
            gates=tuple(s.summary() for s in self._gates),
            decision=self._latest,
            rollout_started_at=self._started_at,
            evaluated_at=self._evaluated_at,
            dry_run=self.rules.dry_run,
        )

    def _publish(self) -> None:
        self._status = self._snapshot()  # one reference swap: readers never see half


def _cooled(last: float | None, at: float, cooldown_seconds: float) -> bool:
    return last is None or at - last >= cooldown_seconds
