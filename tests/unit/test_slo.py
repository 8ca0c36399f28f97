"""SLO burn-rate evaluation in event time and spend guards."""

from __future__ import annotations

import random
from pathlib import Path

import msgspec
import pytest
from prometheus_client import CollectorRegistry

from sentinel.alerting.book import AlertBook
from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from sentinel.guard.config import SpendGuardRules
from sentinel.guard.spend import SpendGuard
from sentinel.io.memory import MemorySink
from sentinel.io.records import Record
from sentinel.monitor import Monitor
from sentinel.rollback import RollbackEngine, RollbackRules
from sentinel.rules.labels import LabelRules
from sentinel.rules.loader import load_rules
from sentinel.rules.pricing import PricingRules
from sentinel.slo.config import BurnWindow, SloRules
from sentinel.slo.engine import SloEngine, burn_factor
from sentinel.track.account import Accountant
from sentinel.track.cost import CostModel
from sentinel.track.labels import bounders
from sentinel.values import ALLOW
from sentinel.wiring import PipelineSettings, assemble
from tests.unit.conftest import event, raw

T0 = 1793610000.0  # 2026-11-02T09:00:00Z
ACCOUNTANT = Accountant(
    CostModel(
        PricingRules.model_validate(
            {
                "version": "sentinel/v1",
                "kind": "pricing",
                "models": [{"model": "m", "input": 10.0, "output": 10.0}],
            }
        )
    ),
    bounders(LabelRules.model_validate({"version": "sentinel/v1", "kind": "labels"})),
)


def slo_rules(**slo: object) -> SloRules:
    spec = {"name": "errors", "sli": {"kind": "errors"}, "objective": 0.99, **slo}
    return SloRules.model_validate({"version": "sentinel/v1", "kind": "slos", "slos": [spec]})


def accounted(t: float, error: bool = False, tokens: int = 0, variant: str | None = None):  # type: ignore[no-untyped-def]
    e = msgspec.convert(
        event(
            "exchange",
            model="m",
            service="svc",
            variant=variant,
            ts="2026-11-02T09:00:00Z",
            status="error" if error else "ok",
            usage={"input_tokens": tokens},
        ),
        Event,
    )
    e = msgspec.structs.replace(e, timestamp=e.timestamp.fromtimestamp(t, e.timestamp.tzinfo))
    return ACCOUNTANT.account(Exchange("complete", e, e))


def run_monitor(
    rules: SloRules,
    error_rate: float,
    minutes: int,
    per_minute: int = 60,
    seed: int = 1,
    healthy_minutes: int = 0,
) -> AlertBook:
    """Traffic at `per_minute`: `healthy_minutes` at 0.2 % errors, then `error_rate`."""
    rng = random.Random(seed)
    book = AlertBook()
    empty_guard = SpendGuard(
        SpendGuardRules.model_validate({"version": "sentinel/v1", "kind": "spend_guard"})
    )
    monitor = Monitor(SloEngine(rules), empty_guard, book, 30)
    for i in range((healthy_minutes + minutes) * per_minute):
        t = T0 + i * 60 / per_minute
        rate = 0.002 if i < healthy_minutes * per_minute else error_rate
        monitor.advance(t)
        monitor.observe(accounted(t, rng.random() < rate), ALLOW)
    return book


def test_burn_factors_follow_the_workbook() -> None:
    """2 % of a 30-day budget in 1 h is 14.4x; 5 % in 6 h is 6x; 10 % in 3 days is 1x."""
    assert burn_factor(BurnWindow(long_minutes=60, budget_share=0.02), 30) == pytest.approx(14.4)
    assert burn_factor(BurnWindow(long_minutes=360, budget_share=0.05), 30) == pytest.approx(6)
    assert burn_factor(BurnWindow(long_minutes=4320, budget_share=0.1), 30) == pytest.approx(1)


def test_a_fast_burn_pages() -> None:
    """20 % errors against a 99 % objective (20x burn) pages within the hour."""
    book = run_monitor(slo_rules(), error_rate=0.20, minutes=70)
    pages = [a for a in book.history if a.severity == "page"]
    assert pages and pages[0].labels == {"slo": "errors"}
    assert pages[0].starts_at - T0 <= 3600


def test_a_slow_burn_opens_a_ticket_but_does_not_page() -> None:
    """After a healthy hour, 4 % errors (4x burn) stays under both page factors (14.4x,
    6x) but crosses a ticket pair of 4 h at 2 % of the budget (3.6x)."""
    rules = slo_rules(ticket=[{"long_minutes": 240, "budget_share": 0.02}])
    book = run_monitor(rules, error_rate=0.04, minutes=300, healthy_minutes=60)
    severities = {a.severity for a in book.history}
    assert severities == {"ticket"}


def test_a_healthy_service_raises_nothing() -> None:
    """0.2 % errors against a 1 % budget never alerts."""
    assert run_monitor(slo_rules(), error_rate=0.002, minutes=120).history == []


def test_a_page_resolves_when_the_burn_stops() -> None:
    """After the errors stop, the short window clears and the page resolves."""
    rng = random.Random(2)
    book = AlertBook()
    guard = SpendGuard(
        SpendGuardRules.model_validate({"version": "sentinel/v1", "kind": "spend_guard"})
    )
    monitor = Monitor(SloEngine(slo_rules()), guard, book, 30)
    for i in range(100 * 60):
        t = T0 + i
        monitor.advance(t)
        monitor.observe(accounted(t, i < 50 * 60 and rng.random() < 0.3), ALLOW)
    page = next(a for a in book.history if a.severity == "page")
    assert page.ends_at is not None and page.ends_at > page.starts_at


def test_replay_alerts_do_not_depend_on_batching() -> None:
    """The same events in batches of 1 or 997 raise identical alerts at identical times."""
    rng = random.Random(5)
    values = []
    for i in range(6000):
        ts = f"2026-11-02T{9 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"
        values.append(
            raw(
                event(
                    "exchange",
                    ts=ts,
                    model="m",
                    service="svc",
                    status="error" if rng.random() < 0.25 else "ok",
                )
            )
        )
    rules = load_rules(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
    reports = []
    for batch in (1, 997):
        built = assemble(rules, PipelineSettings(), CollectorRegistry(), MemorySink())
        pipeline = built.pipeline
        for start in range(0, len(values), batch):
            for offset, value in enumerate(values[start : start + batch]):
                pipeline.process(Record(value, offset=start + offset))
            pipeline.end_batch()
        reports.append(built.run.alerts())
    assert reports[0] == reports[1] and reports[0]


def test_spend_guard_trips_on_dollars_per_hour_and_releases() -> None:
    """$60/h over a $50/h limit trips (alert + throttle + one counted trip); it releases
    when spend stops."""
    rules = SpendGuardRules.model_validate(
        {
            "version": "sentinel/v1",
            "kind": "spend_guard",
            "guards": [{"name": "burn", "window_minutes": 10, "max_usd_per_hour": 50}],
        }
    )
    calls: list[dict[str, object]] = []
    trips: list[str] = []
    book = AlertBook()
    monitor = Monitor(
        SloEngine(slo_rules()),
        SpendGuard(rules),
        book,
        30,
        throttle=calls.append,
        on_trip=trips.append,
    )
    for i in range(40 * 60):  # 1 exchange per second
        t = T0 + i
        monitor.advance(t)
        if i < 20 * 60:  # $1 per minute = $60/h: 100k tokens at $10/M each minute
            monitor.observe(accounted(t, tokens=100_000 // 60), ALLOW)
    assert [c["action"] for c in calls] == ["throttle", "release"]
    assert trips == ["burn"]  # counted once per trip (sentinel_spend_guard_trips_total)
    assert calls[0]["labels"] == {"service": "svc"} and calls[0]["guard"] == "burn"
    alert = next(a for a in book.history if a.name == "SentinelSpendBurn")
    assert alert.severity == "critical" and alert.ends_at is not None


def test_a_scrape_reads_the_published_snapshot_and_never_touches_live_windows() -> None:
    """SloSeries shows the state as of the last publish and leaves pending additions alone
    (the scrape thread once applied them while the consume loop wrote: dict changed size)."""
    from sentinel.telemetry.slo_series import SloSeries

    engine = SloEngine(slo_rules())
    registry = CollectorRegistry()
    registry.register(SloSeries(engine))
    engine.observe(accounted(T0), ALLOW)
    engine.evaluate(T0 + 60)  # windows advance: later additions to held buckets wait
    engine.observe(accounted(T0 + 1, error=True), ALLOW)
    series = next(iter(engine._slos[0].series.values()))
    assert series.fine._pending  # an addition the windows have not applied yet
    labels = {"slo": "errors", "service": "", "endpoint": "", "feature": "", "model": ""}
    labels |= {"variant": "", "result": "bad"}
    assert registry.get_sample_value("sentinel_slo_events_total", labels) is None
    assert series.fine._pending  # the scrape did not apply it
    engine.publish()
    assert registry.get_sample_value("sentinel_slo_events_total", labels) == 1.0


def test_a_canary_page_reaches_rollback_as_the_slo_result_and_holds_one_decision() -> None:
    """An SLO evaluated by variant that pages for the canary makes one slo_burn decision
    (rollback reads the SLO result, no alert labels); the healthy baseline makes none."""
    rollback = RollbackEngine(
        RollbackRules.model_validate(
            {
                "version": "sentinel/v1",
                "kind": "rollback",
                "enabled": True,
                "cooldown_seconds": 3600,
                "slo_burn": {"enabled": True},
            }
        )
    )
    book = AlertBook()
    guard = SpendGuard(
        SpendGuardRules.model_validate({"version": "sentinel/v1", "kind": "spend_guard"})
    )
    monitor = Monitor(SloEngine(slo_rules(by=["variant"])), guard, book, 30, rollback=rollback)
    rng = random.Random(4)
    for i in range(60 * 60):  # an hour, one exchange a second per variant
        t = T0 + i
        monitor.advance(t)
        monitor.observe(accounted(t, rng.random() < 0.3, variant="canary"), ALLOW)
        monitor.observe(accounted(t, rng.random() < 0.001, variant="baseline"), ALLOW)
    pages = [a for a in book.history if a.severity == "page"]
    assert {a.labels["variant"] for a in pages} == {"canary"}
    decisions = rollback.history()
    assert [(d["variant"], d["sli"], d["trigger"]) for d in decisions] == [
        ("canary", "slo/errors", "slo_burn")
    ]
    assert decisions[0]["at"] == pages[0].starts_at
