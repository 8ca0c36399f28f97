"""Gate endpoints for progressive-delivery controllers, as a pure function of gate state.

- `GET /gates/argo?variant=canary` — Argo Rollouts' `web` metric. Always 200 (Argo counts
  a non-2xx as a measurement error, not a failure); the verdict is `healthy` in the body.
- `GET|POST /gates/flagger/rollback?variant=canary` — Flagger `rollback` webhook: 200 means
  "roll back now" and is answered only while the gate is closed; otherwise 409.
- `GET|POST /gates/flagger/promotion?variant=canary` — Flagger `confirm-promotion` webhook:
  200 only while the gate is open and every gate has its minimum samples; otherwise 409.

`variant` defaults to the configured canary. A variant that is not gated, or rollback rules
that are disabled, never answer "healthy" or "promote": the gate fails closed and says
why; it never answers "roll back" either, since it has no evidence. In a dry run the
endpoints stay open (healthy, no rollback) and show a closed gate as `would_roll_back`.
"""

from __future__ import annotations

from collections.abc import Callable

from sentinel.rollback.decision import GateStatus

ARGO = "/gates/argo"
FLAGGER_ROLLBACK = "/gates/flagger/rollback"
FLAGGER_PROMOTION = "/gates/flagger/promotion"
PATHS = (ARGO, FLAGGER_ROLLBACK, FLAGGER_PROMOTION)
_MAX_ECHO = 100  # characters of a caller's variant echoed back

Response = tuple[int, dict[str, object]]


def handle_gate(
    status: Callable[[str], GateStatus | None],
    default_variant: str,
    path: str,
    query: dict[str, list[str]],
) -> Response | None:
    """Answer a gate request; None when `path` is not under `/gates`."""
    if path != "/gates" and not path.startswith("/gates/"):
        return None
    path = path.rstrip("/")
    if path not in PATHS:
        return 404, {"error": "no such gate", "gates": list(PATHS)}
    variant = (query.get("variant") or [default_variant])[0][:_MAX_ECHO]
    gate = status(variant)
    problem = _problem(gate, default_variant)
    body: dict[str, object] = {"variant": variant, **_describe(gate)}
    if problem is not None:
        body["error"] = problem
    healthy = problem is None and gate is not None and gate.enforced_open
    if path == ARGO:
        return 200, {**body, "healthy": healthy}
    closed = problem is None and gate is not None and not gate.enforced_open
    if path == FLAGGER_ROLLBACK:
        body["rollback"] = closed
        return (200 if closed else 409), body
    promote = healthy and gate is not None and gate.enough_samples
    body["promote"] = promote
    if not promote and problem is None:
        body["error"] = "gate closed" if closed else "waiting for minimum samples"
    return (200 if promote else 409), body


def _problem(gate: GateStatus | None, default_variant: str) -> str | None:
    if gate is None:
        return f"variant is not gated here (gated: {default_variant})"
    if not gate.enabled:
        return "rollback gating is disabled in the rules (kind: rollback, enabled: false)"
    return None


def _describe(gate: GateStatus | None) -> dict[str, object]:
    if gate is None:
        return {"decision": None}
    return {
        "enabled": gate.enabled,
        "dry_run": gate.dry_run,
        "would_roll_back": not gate.is_open,
        "enough_samples": gate.enough_samples,
        "decision": gate.decision.to_json() if gate.decision is not None else None,
        "rollout_started_at": gate.rollout_started_at,
        "evaluated_at": gate.evaluated_at,
        "gates": [g.to_json() for g in gate.gates],
    }
