"""The rollback engine: decisions from canary-vs-baseline counts, in event time."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from prometheus_client import CollectorRegistry

from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from sentinel.rollback import Decision, GateStatus, RollbackEngine, RollbackRules, payload
from sentinel.rules.labels import LabelRules
from sentinel.rules.pricing import PricingRules
from sentinel.slo.config import Slo
from sentinel.slo.engine import SloBurn, Urgency
from sentinel.telemetry.rollback import PrometheusRollbackRecorder
from sentinel.track.account import Accountant
from sentinel.track.cost import CostModel
from sentinel.track.labels import bounders
from sentinel.values import ALLOW, Accounted, Finding, Verdict
from tests.unit.conftest import event

T0 = 1_793_610_000.0  # 2026-11-02T09:00:00Z, event time
LATENCY_LIMIT_MS = 2000.0
HALLUCINATION = Finding(
    "hallucination", "unsupported_number", "medium", "output", "output", 0, 4, 0.9, "h1", "flag"
)
FLAGGED = Verdict("flag", (HALLUCINATION,))

_ACCOUNTANT = Accountant(
    CostModel(PricingRules.model_validate({"version": "sentinel/v1", "kind": "pricing"})),
    bounders(
        LabelRules.model_validate(
            {
                "version": "sentinel/v1",
                "kind": "labels",
                "allow": {"variant": ["baseline", "canary"]},
            }
        )
    ),
)


def accounted(variant: str, latency_ms: float = 300.0, service: str = "chat") -> Accounted:
    """One real exchange event, joined and accounted as the pipeline does."""
    e = msgspec.convert(
        event(
            "exchange",
            service=service,
            model="gpt-4.1-mini" if variant == "canary" else "gpt-4.1",
            variant=variant,
            messages=[{"role": "user", "content": "How many moons has Mars?"}],
            output={"content": "Mars has 2 moons."},
            latency_ms=latency_ms,
        ),
        Event,
    )
    return _ACCOUNTANT.account(Exchange("complete", e, e))


def rules(**fields: Any) -> RollbackRules:
    document: dict[str, Any] = {
        "version": "sentinel/v1",
        "kind": "rollback",
        "enabled": True,
        "alpha": 0.01,
        "evaluate_every_seconds": 5,
        "cooldown_seconds": 600,
        "gates": [
            {
                "name": "hallucination",
                "sli": {"kind": "hallucination"},
                "min_samples_per_variant": 200,
            },
            {
                "name": "latency",
                "sli": {"kind": "latency", "threshold": LATENCY_LIMIT_MS},
                "min_samples_per_variant": 200,
                "mixture_sd": 0.05,
            },
        ],
    }
    document.update(fields)
    return RollbackRules.model_validate(document)


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, document: dict[str, Any]) -> None:
        self.sent.append(document)

    def close(self, timeout_seconds: float = 5.0) -> bool:
        return True


def traffic(
    seed: int,
    n: int,
    *,
    canary_share: float = 0.2,
    bad_rates: dict[tuple[str, str], float] | None = None,
    start: float = T0,
    per_second: float = 20.0,
) -> Iterator[tuple[Accounted, Verdict]]:
    """Seeded traffic: each exchange is canary with `canary_share`; per (variant, sli)
    bad rates for `hallucination` (a finding) and `latency` (over the limit)."""
    rates = {
        ("baseline", "hallucination"): 0.02,
        ("canary", "hallucination"): 0.02,
        ("baseline", "latency"): 0.05,
        ("canary", "latency"): 0.05,
        **(bad_rates or {}),
    }
    templates = {
        (v, slow): accounted(v, LATENCY_LIMIT_MS * (2 if slow else 0.5))
        for v in ("baseline", "canary")
        for slow in (False, True)
    }
    rng = random.Random(seed)
    for i in range(n):
        variant = "canary" if rng.random() < canary_share else "baseline"
        slow = rng.random() < rates[variant, "latency"]
        wrong = rng.random() < rates[variant, "hallucination"]
        item = msgspec.structs.replace(templates[variant, slow], event_time=start + i / per_second)
        yield item, FLAGGED if wrong else ALLOW


def canary_gate(engine: RollbackEngine) -> GateStatus:
    status = engine.status("canary")
    assert status is not None
    return status


def run(engine: RollbackEngine, stream: Iterator[tuple[Accounted, Verdict]]) -> list[Decision]:
    """Observe every exchange and evaluate at its event time, as the pipeline would."""
    decisions: list[Decision] = []
    for item, verdict in stream:
        engine.observe(item, verdict)
        decisions.extend(engine.evaluate(item.event_time))
    return decisions


@pytest.mark.parametrize(
    ("sli", "bad_rates"),
    [
        ("hallucination", {("canary", "hallucination"): 0.12}),
        ("latency", {("canary", "latency"): 0.30}),
    ],
    ids=[
        "a canary hallucinating six times as often is rolled back",
        "a canary over the latency limit six times as often is rolled back",
    ],
)
def test_a_degraded_canary_triggers_a_decision_with_its_numbers(
    sli: str, bad_rates: dict[tuple[str, str], float]
) -> None:
    """A clearly worse canary gets one decision naming the gate, the reason and the counts."""
    notifier = FakeNotifier()
    engine = RollbackEngine(rules(), notifier=notifier)
    decisions = run(engine, traffic(1, 10_000, bad_rates=bad_rates))  # 500 s < cooldown
    assert [d.sli for d in decisions] == [sli]
    d = decisions[0]
    assert notifier.sent == [payload(d)] and d.variant == "canary" and d.trigger == "test"
    assert not d.dry_run and d.id.startswith("rb-") and T0 < d.at < T0 + 1000
    assert d.evidence["test"] == "msprt"
    ev = {k: float(v) for k, v in d.evidence.items() if k != "test"}
    assert ev["canary_total"] >= 200 and ev["baseline_total"] >= 200
    assert ev["canary_rate"] == ev["canary_bad"] / ev["canary_total"]
    assert ev["p_value"] <= ev["alpha"] == 0.005  # 0.01 split over two gates
    assert f"{sli}: bad rate of canary" in d.reason and "p=" in d.reason
    status = canary_gate(engine)
    assert not status.is_open


@pytest.mark.parametrize(
    "bad_rates",
    [
        {},
        {("baseline", "hallucination"): 0.12, ("baseline", "latency"): 0.30},
    ],
    ids=["a canary as good as the baseline", "a baseline worse than the canary"],
)
def test_a_canary_no_worse_than_the_baseline_is_not_rolled_back(
    bad_rates: dict[tuple[str, str], float],
) -> None:
    """Same volume as the degraded case, but the canary is not the worse variant: no decision."""
    engine = RollbackEngine(rules())
    assert run(engine, traffic(1, 20_000, bad_rates=bad_rates)) == []
    status = canary_gate(engine)
    assert status.is_open and status.enough_samples


def test_a_a_streams_with_equal_rates_almost_never_trigger_over_many_looks() -> None:
    """A/A traffic, 40 seeded rollouts of 300 looks each: at most one false alarm at alpha 1 %."""
    alarms = 0
    for seed in range(40):
        engine = RollbackEngine(rules(evaluate_every_seconds=1))
        alarms += bool(run(engine, traffic(100 + seed, 6_000, canary_share=0.1)))
    assert alarms <= 1


def test_too_few_samples_never_trigger() -> None:
    """Every canary exchange bad, but below min_samples: no decision until it is reached."""
    engine = RollbackEngine(rules())
    worst = {("canary", "hallucination"): 1.0, ("canary", "latency"): 1.0}
    stream = list(traffic(3, 5_000, canary_share=0.02, bad_rates=worst))
    canary_seen = sum(1 for item, _ in stream if item.labels.variant == "canary")
    assert canary_seen < 200
    assert run(engine, iter(stream)) == []
    status = canary_gate(engine)
    assert status.is_open and not status.enough_samples
    more = traffic(4, 20_000, canary_share=0.2, bad_rates=worst, start=T0 + 300)
    assert {d.sli for d in run(engine, more)} == {"hallucination", "latency"}


def test_cooldown_prevents_repeats_then_the_closed_gate_decides_again() -> None:
    """One decision per gate per cooldown; after it, a still-closed gate decides once more."""
    registry = CollectorRegistry()
    engine = RollbackEngine(
        rules(gates=[rules().gates[0].model_dump()]),
        recorder=PrometheusRollbackRecorder(registry),
    )
    bad = {("canary", "hallucination"): 0.2}
    first = run(engine, traffic(5, 3_000, bad_rates=bad))
    assert len(first) == 1
    at = first[0].at
    repeats = [engine.evaluate(at + s) for s in range(5, 600, 5)]
    assert all(r == [] for r in repeats)
    again = engine.evaluate(at + 600)
    assert len(again) == 1 and again[0].id != first[0].id
    labels = {"variant": "canary", "sli": "hallucination", "decision": "rollback"}
    assert registry.get_sample_value("sentinel_rollback_decisions_total", labels) == 2
    assert registry.get_sample_value("sentinel_rollback_gate_open", {"variant": "canary"}) == 0


def test_dry_run_records_and_counts_but_sends_nothing() -> None:
    """In dry-run mode the decision is in the history and metrics; the notifier gets nothing."""
    registry = CollectorRegistry()
    notifier = FakeNotifier()
    engine = RollbackEngine(
        rules(dry_run=True), recorder=PrometheusRollbackRecorder(registry), notifier=notifier
    )
    decisions = run(engine, traffic(1, 10_000, bad_rates={("canary", "hallucination"): 0.12}))
    assert len(decisions) == 1 and decisions[0].dry_run and notifier.sent == []
    assert engine.history() == [
        {
            "id": decisions[0].id,
            "variant": "canary",
            "sli": "hallucination",
            "trigger": "test",
            "decision": "dry_run",
            "reason": decisions[0].reason,
            "at": decisions[0].at,
        }
    ]
    labels = {"variant": "canary", "sli": "hallucination", "decision": "dry_run"}
    assert registry.get_sample_value("sentinel_rollback_decisions_total", labels) == 1


def test_a_replay_of_the_same_traffic_makes_the_same_decisions() -> None:
    """Decisions depend on event time only: ids, times and numbers repeat exactly."""
    bad = {("canary", "latency"): 0.3}
    first = run(RollbackEngine(rules()), traffic(9, 10_000, bad_rates=bad))
    second = run(RollbackEngine(rules()), traffic(9, 10_000, bad_rates=bad))
    assert first and first == second


def test_an_idle_canary_ends_the_rollout_and_reopens_the_gate() -> None:
    """No canary traffic for reset_after_idle_seconds: counts reset, the gate opens again."""
    registry = CollectorRegistry()
    engine = RollbackEngine(
        rules(reset_after_idle_seconds=900), recorder=PrometheusRollbackRecorder(registry)
    )
    decisions = run(engine, traffic(1, 20_000, bad_rates={("canary", "hallucination"): 0.12}))
    assert decisions
    last = T0 + 20_000 / 20
    decisions += engine.evaluate(last + 800)  # within the idle limit: same rollout, closed
    assert not canary_gate(engine).is_open
    assert engine.evaluate(last + 1000) == []
    status = canary_gate(engine)
    assert status.is_open and status.decision is None
    assert all(g.canary_total == 0 for g in status.gates)
    assert registry.get_sample_value("sentinel_rollback_gate_open", {"variant": "canary"}) == 1
    assert len(engine.history()) == len(decisions)  # the record survives the reset


def test_reset_starts_the_next_rollout_from_zero() -> None:
    """An explicit reset (a new canary version) reopens the gate at once."""
    engine = RollbackEngine(rules(reset_after_idle_seconds=None))
    run(engine, traffic(1, 20_000, bad_rates={("canary", "hallucination"): 0.12}))
    engine.reset(T0 + 2000)
    status = canary_gate(engine)
    assert status.is_open and status.rollout_started_at is None


@pytest.mark.parametrize(
    ("slo_burn", "variant", "expected"),
    [
        ({"enabled": True}, "canary", True),
        ({"enabled": True, "slos": ["canary-latency"]}, "canary", True),
        ({"enabled": True, "slos": ["other-slo"]}, "canary", False),
        ({"enabled": True}, "baseline", False),
        ({"enabled": False}, "canary", False),
    ],
    ids=[
        "a canary SLO page rolls back",
        "a listed SLO page rolls back",
        "an unlisted SLO page is ignored",
        "a baseline SLO page is ignored",
        "SLO pages are ignored when slo_burn is off",
    ],
)
def test_slo_pages_for_the_canary_roll_back_when_enabled(
    slo_burn: dict[str, Any], variant: str, expected: bool
) -> None:
    """`on_slo_page` makes a slo_burn decision only for the canary, when configured."""
    notifier = FakeNotifier()
    engine = RollbackEngine(rules(slo_burn=slo_burn), notifier=notifier)
    run(engine, traffic(2, 100))
    decision = engine.on_slo_page(variant, "canary-latency", T0 + 10)
    assert (decision is not None) is expected
    if decision is not None:
        assert decision.sli == "slo/canary-latency" and decision.trigger == "slo_burn"
        assert notifier.sent == [payload(decision)]
        assert not canary_gate(engine).is_open
        assert engine.on_slo_page(variant, "canary-latency", T0 + 20) is None  # cooling down


def test_an_slo_page_without_a_running_rollout_is_ignored() -> None:
    """Burn windows outlive a rolled-back canary; with no rollout running, a page does nothing."""
    engine = RollbackEngine(rules(slo_burn={"enabled": True}))
    assert engine.on_slo_page("canary", "canary-latency", T0) is None


def test_exchanges_outside_the_scope_are_not_counted() -> None:
    """With scope.service, other services' exchanges neither start a rollout nor count."""
    engine = RollbackEngine(rules(scope={"service": ["search"]}))
    run(engine, traffic(1, 5_000))
    status = canary_gate(engine)
    assert status.rollout_started_at is None
    assert all(g.canary_total == 0 and g.baseline_total == 0 for g in status.gates)


def test_baseline_traffic_before_the_first_canary_exchange_is_not_counted() -> None:
    """The comparison covers the rollout's minutes only: the baseline counts from the
    minute of the first canary exchange."""
    assert T0 % 60 == 0
    engine = RollbackEngine(rules())
    engine.observe(msgspec.structs.replace(accounted("baseline"), event_time=T0 - 30), ALLOW)
    engine.observe(msgspec.structs.replace(accounted("canary"), event_time=T0 + 1), ALLOW)
    engine.observe(msgspec.structs.replace(accounted("baseline"), event_time=T0 + 2), ALLOW)
    engine.evaluate(T0 + 2)
    status = canary_gate(engine)
    assert status.rollout_started_at == T0
    assert [(g.canary_total, g.baseline_total) for g in status.gates] == [(1, 1), (1, 1)]


def test_disabled_rules_observe_and_decide_nothing() -> None:
    """The default rules are off: nothing is counted and the gate reports disabled."""
    engine = RollbackEngine(
        RollbackRules.model_validate({"version": "sentinel/v1", "kind": "rollback"})
    )
    run(engine, traffic(1, 2_000, bad_rates={("canary", "hallucination"): 1.0}))
    status = canary_gate(engine)
    assert not status.enabled and status.decision is None


def page(slo: str, labels: dict[str, str], urgency: Urgency = "page") -> SloBurn:
    """The SLO engine's result for a series burning over both windows of a pair."""
    spec = Slo.model_validate({"name": slo, "sli": {"kind": "errors"}, "objective": 0.99})
    return SloBurn(spec, labels, urgency, 60, 14.4, 20.0, 20.0, T0 + 30)


@pytest.mark.parametrize(
    ("burn", "expected"),
    [
        (page("errors", {"service": "chat", "variant": "canary"}), ["slo/errors"]),
        (page("errors", {"service": "chat", "variant": "canary"}, "ticket"), []),
        (page("errors", {"service": "chat", "variant": "baseline"}), []),
        (page("pii-leak", {"service": "chat"}), []),
        (page("errors", {"service": "search", "variant": "canary"}), []),
    ],
    ids=[
        "a page for the canary rolls back",
        "a ticket does not",
        "a page for the baseline does not",
        "a page without a variant label does not",
        "a page for a service outside the scope does not",
    ],
)
def test_slo_burns_from_the_slo_engine_feed_the_pages(burn: SloBurn, expected: list[str]) -> None:
    """`on_slo_burns` reads the SLO engine's structured results and keeps canary pages in
    scope."""
    engine = RollbackEngine(rules(slo_burn={"enabled": True}, scope={"service": ["chat"]}))
    engine.observe(msgspec.structs.replace(accounted("canary"), event_time=T0), ALLOW)
    assert [d.sli for d in engine.on_slo_burns([burn], T0 + 30)] == expected


def test_decisions_are_strict_json_even_without_any_evidence_left() -> None:
    """A closed gate re-deciding once the canary is far better (log Λ = -inf) stays JSON."""
    engine = RollbackEngine(rules(gates=[rules().gates[0].model_dump()], cooldown_seconds=60))
    first = run(engine, traffic(1, 4_000, bad_rates={("canary", "hallucination"): 0.3}))
    reversed_rates = {("canary", "hallucination"): 0.0, ("baseline", "hallucination"): 0.9}
    later = run(
        engine, traffic(2, 40_000, canary_share=0.9, bad_rates=reversed_rates, start=T0 + 200)
    )
    assert first and later and later[-1].evidence["log_e_value"] == -1e6
    for decision in first + later:
        json.dumps(payload(decision), allow_nan=False)
