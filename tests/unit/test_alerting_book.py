"""The alert book: idempotent transitions in event time, history, the firing gauge."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from sentinel.alerting import Alert, AlertBook, AlertSeverity
from sentinel.telemetry.alerting import AlertMetrics

T0 = 1_793_610_000.0  # 2026-11-02T09:00:00Z


def alert(name: str = "SloBurnRate", severity: AlertSeverity = "page", **labels: str) -> Alert:
    return Alert(name, severity, labels or {"slo": "latency"}, {"summary": "s"}, T0)


class Recorder:
    def __init__(self) -> None:
        self.seen: list[Alert] = []

    def notify(self, alert: Alert) -> None:
        self.seen.append(alert)


def test_raising_a_firing_alert_again_does_nothing() -> None:
    """A second raise of the same alert is not a transition and keeps the first start."""
    recorder = Recorder()
    book = AlertBook([recorder])
    assert book.raise_(alert())
    later = Alert("SloBurnRate", "page", {"slo": "latency"}, starts_at=T0 + 60)
    assert not book.raise_(later)
    assert recorder.seen == [alert()]
    assert [a.starts_at for a in book.active] == [T0]


def test_resolving_an_alert_that_does_not_fire_does_nothing() -> None:
    """Resolve of an unknown or already resolved alert tells no one."""
    recorder = Recorder()
    book = AlertBook([recorder])
    assert book.resolve("SloBurnRate", {"slo": "latency"}, T0) == []
    book.raise_(alert())
    assert len(book.resolve("SloBurnRate", {"slo": "latency"}, T0 + 300)) == 1
    assert book.resolve("SloBurnRate", {"slo": "latency"}, T0 + 400) == []
    assert [a.ends_at for a in recorder.seen] == [None, T0 + 300]
    assert book.active == []


def test_resolve_never_ends_an_alert_before_it_started() -> None:
    """Out-of-order event time clamps ends_at to starts_at."""
    book = AlertBook()
    book.raise_(alert())
    (resolved,) = book.resolve("SloBurnRate", {"slo": "latency"}, T0 - 5)
    assert resolved.ends_at == T0


@pytest.mark.parametrize(
    ("severity", "left_firing"),
    [(None, []), ("ticket", ["page"])],
    ids=["without a severity every severity resolves", "with a severity only that one does"],
)
def test_resolve_by_severity(severity: AlertSeverity | None, left_firing: list[str]) -> None:
    """resolve() picks the severities to end."""
    book = AlertBook()
    book.raise_(alert(severity="page"))
    book.raise_(alert(severity="ticket"))
    book.resolve("SloBurnRate", {"slo": "latency"}, T0 + 1, severity)
    assert [a.severity for a in book.active] == left_firing


def test_sync_raises_new_and_resolves_missing_alerts_of_its_names_only() -> None:
    """sync() makes the book agree with the active set, within the caller's names."""
    book = AlertBook()
    book.raise_(alert("SpendGuard", "ticket", guard="daily"))
    book.sync([alert(slo="latency"), alert(slo="errors")], T0, names={"SloBurnRate"})
    book.sync([alert(slo="errors")], T0 + 60, names={"SloBurnRate"})
    firing = {(a.name, a.labels.get("slo", a.labels.get("guard"))) for a in book.active}
    assert firing == {("SpendGuard", "daily"), ("SloBurnRate", "errors")}
    resolved = [a for a in book.history if not a.firing]
    assert [(a.labels, a.ends_at) for a in resolved] == [({"slo": "latency"}, T0 + 60)]


def test_report_lists_every_alert_with_rfc3339_times() -> None:
    """The replay report gets name, severity, labels, starts_at and ends_at."""
    book = AlertBook()
    book.raise_(alert())
    book.resolve("SloBurnRate", {"slo": "latency"}, T0 + 90)
    book.raise_(alert())
    assert book.report() == [
        {
            "name": "SloBurnRate",
            "severity": "page",
            "labels": {"slo": "latency"},
            "starts_at": "2026-11-02T09:00:00.000Z",
            "ends_at": "2026-11-02T09:01:30.000Z",
        },
        {
            "name": "SloBurnRate",
            "severity": "page",
            "labels": {"slo": "latency"},
            "starts_at": "2026-11-02T09:00:00.000Z",
            "ends_at": None,
        },
    ]


def test_history_is_bounded_and_counts_what_it_forgets() -> None:
    """The oldest history entries go first; firing alerts stay active."""
    book = AlertBook(max_history=2)
    for i in range(3):
        book.raise_(alert(slo=f"s{i}"))
    assert [a.labels["slo"] for a in book.history] == ["s1", "s2"]
    assert book.history_dropped == 1
    assert len(book.active) == 3


def test_a_failing_listener_never_reaches_the_caller() -> None:
    """One broken listener is logged; the others are still told."""

    class Broken:
        def notify(self, alert: Alert) -> None:
            raise RuntimeError("boom")

    recorder = Recorder()
    book = AlertBook([Broken(), recorder])
    assert book.raise_(alert())
    assert len(recorder.seen) == 1


def test_raise_rejects_an_alert_that_already_ended() -> None:
    """raise_() of a resolved alert is a programming error, named in the message."""
    with pytest.raises(ValueError, match="raise_: alert `SloBurnRate` has ends_at set"):
        AlertBook().raise_(alert().resolved(T0 + 1))


def test_firing_gauge_follows_the_book() -> None:
    """sentinel_alerts_firing{alertname,severity} counts firing alerts."""
    registry = CollectorRegistry()
    book = AlertBook([AlertMetrics(registry)])
    book.raise_(alert(slo="a"))
    book.raise_(alert(slo="b"))
    book.raise_(alert(slo="b"))
    labels = {"alertname": "SloBurnRate", "severity": "page"}
    assert registry.get_sample_value("sentinel_alerts_firing", labels) == 2
    book.resolve("SloBurnRate", {"slo": "a"}, T0 + 1)
    book.resolve("SloBurnRate", {"slo": "a"}, T0 + 2)
    assert registry.get_sample_value("sentinel_alerts_firing", labels) == 1
