"""Delivery machinery with a fake clock and a fake transport: resends, endsAt, the resolve
window, retries with bounded backoff, the bounded queue, health and close."""

from __future__ import annotations

import random
import threading
import time

import pytest
from prometheus_client import CollectorRegistry

from sentinel.alerting import (
    Alert,
    AlertmanagerNotifier,
    Decoration,
    DeliverySettings,
    RetrySettings,
    WebhookNotifier,
    rfc3339,
)
from sentinel.alerting.fakes import FakeClock, RecordingTransport
from sentinel.delivery import Backoff, DeliveryReport
from sentinel.telemetry.alerting import AlertMetrics

T0 = 1_793_610_000.0  # event time of the alerts: 2026-11-02T09:00:00Z
RESEND = 60.0
RESOLVED_WINDOW = 300.0
NO_JITTER = RetrySettings(initial_seconds=1, max_seconds=8, multiplier=2, jitter_ratio=0)
URL = "http://am-0.example:9093"


def alert(slo: str = "latency") -> Alert:
    return Alert("SloBurnRate", "page", {"slo": slo}, {"summary": "burning"}, T0)


class Rig:
    """An Alertmanager notifier on a fake clock and transport, with its own registry."""

    def __init__(self, max_queue: int = 100, retry: RetrySettings = NO_JITTER) -> None:
        self.clock = FakeClock(T0 + 10)
        self.transport = RecordingTransport(self.clock)
        self.registry = CollectorRegistry()
        self.health: list[tuple[bool, str]] = []
        settings = DeliverySettings(
            resend_interval_seconds=RESEND,
            resolved_resend_seconds=RESOLVED_WINDOW,
            max_queue=max_queue,
            retry=retry,
            unhealthy_after_failures=2,
        )
        self.notifier = AlertmanagerNotifier(
            "alertmanager-0",
            URL,
            settings,
            Decoration(external_labels={"cluster": "eu-1"}),
            report=DeliveryReport(
                AlertMetrics(self.registry).deliveries("alertmanager-0"),
                lambda ok, detail: self.health.append((ok, detail)),
            ),
            transport=self.transport,
            clock=self.clock,
            rng=random.Random(7),
        )

    def run_until(self, seconds: float, step: float = 1.0) -> None:
        """Advance the fake clock in steps, ticking at each (what the thread does)."""
        end = self.clock.now + seconds
        while self.clock.now < end:
            self.notifier.tick()
            self.clock.advance(step)

    def sent(self) -> list[tuple[float, str, str]]:
        """(wall time, slo label, endsAt) of every alert delivered."""
        return [
            (r.at, a["labels"]["slo"], a["endsAt"]) for r in self.transport.requests for a in r.body
        ]

    def deliveries(self, result: str) -> float:
        value = self.registry.get_sample_value(
            "sentinel_alert_deliveries_total", {"receiver": "alertmanager-0", "result": result}
        )
        return value or 0.0


def test_a_transition_is_sent_on_the_next_tick_and_not_before() -> None:
    """notify() does no I/O: the consume loop never waits on a receiver."""
    rig = Rig()
    rig.notifier.notify(alert())
    assert rig.transport.requests == []
    assert rig.notifier.tick() == pytest.approx(RESEND)  # until the first resend
    (request,) = rig.transport.requests
    assert request.url == URL + "/api/v2/alerts"
    assert request.body == [
        {
            "labels": {
                "alertname": "SloBurnRate",
                "cluster": "eu-1",
                "severity": "page",
                "slo": "latency",
            },
            "annotations": {"summary": "burning"},
            "startsAt": "2026-11-02T09:00:00.000Z",
            "endsAt": rfc3339(T0 + 10 + 3 * RESEND),
        }
    ]
    assert rig.deliveries("ok") == 1


def test_firing_alerts_are_resent_every_interval_with_ends_at_moving_forward() -> None:
    """Each resend carries endsAt = now + 3 x resend interval."""
    rig = Rig()
    rig.notifier.notify(alert())
    rig.run_until(3 * RESEND + 1)
    times = [at for at, _, _ in rig.sent()]
    assert times == [T0 + 10, T0 + 10 + RESEND, T0 + 10 + 2 * RESEND, T0 + 10 + 3 * RESEND]
    assert [ends for _, _, ends in rig.sent()] == [rfc3339(at + 3 * RESEND) for at in times]


def test_resolved_alerts_are_resent_for_the_resolve_window_then_stop() -> None:
    """endsAt of a resolved alert is its resolution time, sent for resolved_resend_seconds."""
    rig = Rig()
    rig.notifier.notify(alert())
    rig.notifier.tick()
    resolved_at = T0 + 5  # event time, a little behind the wall clock
    rig.notifier.notify(alert().resolved(resolved_at))
    rig.run_until(RESOLVED_WINDOW + 3 * RESEND)
    resolved = [(at, ends) for at, _, ends in rig.sent()[1:]]
    assert {ends for _, ends in resolved} == {rfc3339(resolved_at)}
    # sent at once, then at every resend until the window (from T0 + 10) has passed
    assert [at - (T0 + 10) for at, _ in resolved] == [0, 60, 120, 180, 240]


def test_a_webhook_without_resend_gets_transitions_only() -> None:
    """Webhooks default to one notification per transition, as sentinel.alert.v1."""
    clock = FakeClock(T0)
    transport = RecordingTransport(clock)
    settings = DeliverySettings(resend_interval_seconds=None)
    notifier = WebhookNotifier(
        "webhook-0", "http://hooks.example/x", settings, transport=transport, clock=clock
    )
    notifier.notify(alert())
    for _ in range(3):
        notifier.tick()
        clock.advance(RESEND)
    notifier.notify(alert().resolved(T0 + 200))
    notifier.tick()
    assert [r.body["status"] for r in transport.requests] == ["firing", "resolved"]
    assert transport.requests[1].body["alert"]["ends_at"] == rfc3339(T0 + 200)


@pytest.mark.parametrize("failures", [1, 2, 3, 4, 10, 100, 10_000])
def test_backoff_grows_exponentially_and_stays_within_its_bounds(failures: int) -> None:
    """initial x 2^(n-1), capped at max_seconds, shortened by at most the jitter ratio."""
    retry = RetrySettings(initial_seconds=0.5, max_seconds=30, multiplier=2, jitter_ratio=0.2)
    backoff = Backoff(retry, random.Random(failures))
    nominal = min(30.0, 0.5 * 2 ** min(failures - 1, 64))
    for _ in range(200):
        assert 0.8 * nominal <= backoff.after(failures) <= nominal


def test_a_failed_send_is_retried_after_the_backoff_and_nothing_is_lost() -> None:
    """Alertmanager down: failures are counted, retries wait 1, 2, 4 s, then it arrives."""
    rig = Rig()
    rig.transport.down = True
    rig.notifier.notify(alert())
    attempts = []
    for _ in range(40):  # 10 s of ticks every 0.25 s
        before = rig.transport.failures
        rig.notifier.tick()
        if rig.transport.failures > before:
            attempts.append(rig.clock.now - (T0 + 10))
        rig.clock.advance(0.25)
    assert attempts == [0, 1, 3, 7]
    assert rig.deliveries("error") == 4
    rig.transport.down = False
    rig.run_until(8)
    assert [slo for _, slo, _ in rig.sent()] == ["latency"]
    assert rig.deliveries("ok") == 1


def test_during_an_outage_the_latest_state_per_alert_wins() -> None:
    """An alert raised and resolved while the receiver is down is sent once, resolved."""
    rig = Rig()
    rig.transport.down = True
    rig.notifier.notify(alert("a"))
    rig.run_until(2)
    rig.notifier.notify(alert("b"))
    rig.notifier.notify(alert("a").resolved(T0 + 5))
    rig.transport.down = False
    rig.run_until(10)
    first = rig.transport.requests[0].body
    assert [(a["labels"]["slo"], a["endsAt"]) for a in first] == [
        ("b", rfc3339(rig.transport.requests[0].at + 3 * RESEND)),
        ("a", rfc3339(T0 + 5)),
    ]


def test_queue_overflow_drops_the_oldest_and_counts_it() -> None:
    """max_queue bounds what waits for a receiver; drops show as result="dropped"."""
    rig = Rig(max_queue=3)
    rig.transport.down = True
    for slo in "abcde":
        rig.notifier.notify(alert(slo))
    assert rig.notifier.queued == 3
    assert rig.deliveries("dropped") == 2
    rig.transport.down = False
    rig.notifier.tick()
    assert sorted(slo for _, slo, _ in rig.sent()) == ["c", "d", "e"]


def test_health_turns_bad_after_consecutive_failures_and_recovers() -> None:
    """healthy() and the /readyz callback follow unhealthy_after_failures (2 here)."""
    rig = Rig()
    rig.transport.down = True
    rig.notifier.notify(alert())
    rig.notifier.tick()
    assert rig.notifier.healthy()
    rig.clock.advance(1)  # the first retry is due
    rig.notifier.tick()
    assert not rig.notifier.healthy()
    assert "2 consecutive failures, 1 queued, last error: could not connect" in (
        rig.notifier.status()
    )
    rig.transport.down = False
    rig.run_until(5)
    assert rig.notifier.healthy()
    assert [ok for ok, _ in rig.health] == [False, True]


def test_an_unexpected_transport_error_never_reaches_the_caller() -> None:
    """Habit 7: whatever the transport raises is logged and counted as an error."""
    rig = Rig()

    def broken(*args: object) -> None:
        raise KeyError("surprise")

    rig.notifier._transport = broken  # type: ignore[assignment]  # swap in a broken one
    rig.notifier.notify(alert())
    rig.notifier.tick()
    assert rig.deliveries("error") == 1
    assert "unexpected KeyError" in rig.notifier.status()


def test_close_without_a_thread_makes_one_attempt_and_counts_the_rest_dropped() -> None:
    """close() flushes once; what still cannot be delivered is counted, not hidden."""
    rig = Rig()
    rig.transport.down = True
    rig.notifier.notify(alert("a"))
    rig.notifier.notify(alert("b"))
    rig.notifier.close(timeout_seconds=1)
    assert rig.transport.failures == 1
    assert rig.deliveries("dropped") == 2
    rig.notifier.notify(alert("c"))  # after close: ignored
    assert rig.notifier.queued == 0


def test_the_sender_thread_delivers_promptly_and_close_flushes() -> None:
    """With start(), a transition arrives without anyone ticking; close() joins the thread."""
    transport = RecordingTransport()
    settings = DeliverySettings(resend_interval_seconds=RESEND)
    notifier = AlertmanagerNotifier("alertmanager-0", URL, settings, transport=transport)
    notifier.start()
    notifier.notify(alert("a"))
    deadline = time.monotonic() + 5
    while not transport.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(transport.requests) == 1
    notifier.notify(alert("b"))
    notifier.close(timeout_seconds=5)
    assert [r.body[0]["labels"]["slo"] for r in transport.requests] == ["a", "b"]
    assert not any(t.name == "alerts-alertmanager-0" for t in threading.enumerate())


def test_a_batch_refused_for_good_is_dropped_and_does_not_block_the_queue() -> None:
    """A 400 is not retried (it would be refused again, holding every alert behind it): the
    batch is dropped and counted; later alerts go out, and the firing one at its resend."""
    rig = Rig()
    rig.transport.fail_status, rig.transport.fail_next = 400, 1
    rig.notifier.notify(alert("bad"))
    rig.notifier.tick()
    assert rig.transport.failures == 1 and rig.notifier.queued == 0
    assert rig.deliveries("error") == 1 and rig.deliveries("dropped") == 1
    rig.notifier.notify(alert("next"))
    rig.run_until(5)  # past the backoff
    assert [slo for _, slo, _ in rig.sent()] == ["next"]
    rig.run_until(RESEND)  # the resend brings the firing alert back
    assert "bad" in [slo for _, slo, _ in rig.sent()]


def test_a_server_error_keeps_the_batch_for_a_retry() -> None:
    """A 503 is a transient failure: the batch goes back to the queue and arrives later."""
    rig = Rig()
    rig.transport.fail_status, rig.transport.fail_next = 503, 1
    rig.notifier.notify(alert("a"))
    rig.notifier.tick()
    assert rig.notifier.queued == 1 and rig.deliveries("dropped") == 0
    rig.run_until(3)
    assert [slo for _, slo, _ in rig.sent()] == ["a"]
