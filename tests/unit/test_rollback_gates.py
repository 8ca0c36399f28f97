"""Gate endpoints for Argo Rollouts and Flagger: status codes and bodies per gate state."""

from __future__ import annotations

import dataclasses
import json

import pytest

from sentinel.rollback.decision import Decision, GateStatus, GateSummary
from sentinel.rollback.gates import handle_gate

DECISION = Decision(
    id="rb-0123456789abcdef",
    variant="canary",
    sli="hallucination",
    trigger="test",
    reason="hallucination: bad rate of canary 12.000% (60/500) exceeds the allowed 2.000%",
    at=1_793_610_055.0,
    rollout_started_at=1_793_610_000.0,
    dry_run=False,
    evidence={"p_value": 1e-9},
)


def summary(canary_total: int, closed: bool = False) -> GateSummary:
    return GateSummary("hallucination", 0, canary_total, 0, 5_000, 200, None, closed)


STATES = {
    "open": GateStatus("canary", True, True, (summary(500),)),
    "waiting": GateStatus("canary", True, True, (summary(50),)),
    "closed": GateStatus("canary", True, False, (summary(500, True),), DECISION),
    "disabled": GateStatus("canary", False, True),
}


def ask(state: str, path: str, variant: str | None = "canary") -> tuple[int, dict[str, object]]:
    query = {"variant": [variant]} if variant is not None else {}
    answer = handle_gate(lambda v: STATES[state] if v == "canary" else None, "canary", path, query)
    assert answer is not None
    json.dumps(answer[1])  # the server sends it as JSON
    return answer


@pytest.mark.parametrize(
    ("state", "variant", "healthy"),
    [
        ("open", "canary", True),
        ("waiting", "canary", True),
        ("closed", "canary", False),
        ("disabled", "canary", False),
        ("open", "canray", False),
        ("open", None, True),
    ],
    ids=[
        "an open gate is healthy",
        "a gate waiting for samples is healthy",
        "a closed gate is unhealthy",
        "disabled rules are never healthy",
        "a misspelt variant is never healthy",
        "the variant defaults to the canary",
    ],
)
def test_argo_always_gets_200_with_the_verdict_in_the_body(
    state: str, variant: str | None, healthy: bool
) -> None:
    """Argo reads non-2xx as a measurement error, so every answer is 200 with `healthy`."""
    status, body = ask(state, "/gates/argo", variant)
    assert status == 200 and body["healthy"] is healthy
    assert body["variant"] == (variant or "canary")


def test_argo_shows_the_decision_behind_a_closed_gate() -> None:
    """The body carries the decision (id, reason, evidence) and each gate's counts."""
    _, body = ask("closed", "/gates/argo")
    assert body["decision"] == DECISION.to_json()
    assert body["gates"] == [
        {
            "name": "hallucination",
            "closed": True,
            "enough_samples": True,
            "p_value": None,
            "canary": {"bad": 0, "total": 500},
            "baseline": {"bad": 0, "total": 5_000},
        }
    ]


@pytest.mark.parametrize(
    ("state", "variant", "expected"),
    [
        ("closed", "canary", 200),
        ("open", "canary", 409),
        ("waiting", "canary", 409),
        ("disabled", "canary", 409),
        ("closed", "baseline", 409),
    ],
    ids=[
        "a closed gate says roll back now",
        "an open gate says do not roll back",
        "a gate waiting for samples says do not roll back",
        "disabled rules never roll back",
        "an ungated variant never rolls back",
    ],
)
def test_flagger_rollback_answers_2xx_only_when_the_gate_is_closed(
    state: str, variant: str, expected: int
) -> None:
    """Flagger's rollback webhook: a 2xx fails the canary, anything else lets it run."""
    status, body = ask(state, "/gates/flagger/rollback", variant)
    assert status == expected and body["rollback"] is (expected == 200)


@pytest.mark.parametrize(
    ("state", "expected", "error"),
    [
        ("open", 200, None),
        ("waiting", 409, "waiting for minimum samples"),
        ("closed", 409, "gate closed"),
        ("disabled", 409, "rollback gating is disabled"),
    ],
    ids=[
        "an open gate with enough samples may promote",
        "a gate waiting for samples holds promotion",
        "a closed gate holds promotion",
        "disabled rules hold promotion",
    ],
)
def test_flagger_promotion_answers_2xx_only_when_open_with_enough_samples(
    state: str, expected: int, error: str | None
) -> None:
    """Flagger's confirm-promotion webhook pauses promotion until it gets a 200."""
    status, body = ask(state, "/gates/flagger/promotion")
    assert status == expected and body["promote"] is (expected == 200)
    assert error is None or str(body["error"]).startswith(error)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/metrics", None), ("/gatesx", None), ("/gates/nope", 404), ("/gates/argo/", 200)],
    ids=[
        "another endpoint is not a gate",
        "a prefix lookalike is not a gate",
        "an unknown gate is 404",
        "a trailing slash is tolerated",
    ],
)
def test_only_gate_paths_are_answered(path: str, expected: int | None) -> None:
    """`handle_gate` returns None for paths the server should route elsewhere."""
    answer = handle_gate(lambda v: STATES["open"], "canary", path, {})
    assert (answer[0] if answer is not None else None) == expected


@pytest.mark.parametrize(
    ("path", "expected", "verdict"),
    [
        ("/gates/argo", 200, ("healthy", True)),
        ("/gates/flagger/rollback", 409, ("rollback", False)),
        ("/gates/flagger/promotion", 200, ("promote", True)),
    ],
    ids=[
        "argo stays healthy in a dry run",
        "flagger is not rolled back in a dry run",
        "flagger may promote in a dry run",
    ],
)
def test_a_dry_run_keeps_the_gates_open_and_shows_what_it_would_do(
    path: str, expected: int, verdict: tuple[str, bool]
) -> None:
    """A closed gate in a dry run answers as open, with `would_roll_back` and the decision."""
    dry = dataclasses.replace(STATES["closed"], dry_run=True)
    answer = handle_gate(lambda v: dry, "canary", path, {})
    assert answer is not None
    status, body = answer
    assert status == expected and body[verdict[0]] is verdict[1]
    assert body["would_roll_back"] is True and body["decision"] == DECISION.to_json()
