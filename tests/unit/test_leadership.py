"""One replica delivers: what a rebalance's pause holds is delivered, judged or dropped by
the assignment that ends it, so an old leader never posts after a new one took over."""

from __future__ import annotations

from typing import Any

from sentinel.alerting.book import AlertBook
from sentinel.alerting.leader import LeaderOnlyNotifier, Leadership
from sentinel.alerting.model import Alert


class Recorder:
    """A listener and a rollback notifier that keep what reached them."""

    def __init__(self) -> None:
        self.alerts: list[tuple[str, bool]] = []
        self.documents: list[float] = []

    def notify(self, alert: Alert) -> None:
        self.alerts.append((alert.name, alert.firing))

    def send(self, document: dict[str, Any]) -> None:
        self.documents.append(document["decision"]["at"])

    def close(self, timeout_seconds: float = 5.0) -> bool:
        return True


def _wired(leading: bool) -> tuple[Leadership, AlertBook, Recorder, LeaderOnlyNotifier]:
    leadership, book, received = Leadership(), AlertBook(), Recorder()
    book.add_listener(leadership.wrap(received))
    leadership.set(leading, book, delivered_through=100.0)
    return leadership, book, received, LeaderOnlyNotifier(received, leadership)


def _decision(at: float) -> dict[str, Any]:
    return {"decision": {"at": at}}


def test_without_a_rebalance_only_the_leader_delivers() -> None:
    """The leader passes a transition and a decision after its start on; a follower does
    not pass a firing alert or a decision."""
    for leading in (True, False):
        _, book, received, rollback = _wired(leading)
        book.raise_(Alert("burn", "page", {"slo": "a"}, starts_at=200.0))
        rollback.send(_decision(200.0))
        assert received.alerts == ([("burn", True)] if leading else [])
        assert received.documents == ([200.0] if leading else [])


def test_a_leader_that_keeps_the_lead_delivers_what_the_pause_held_then() -> None:
    """During the pause nothing goes out and the replica does not count as leading (no
    delivered record); the assignment that keeps the lead delivers it all, in order."""
    leadership, book, received, rollback = _wired(leading=True)
    leadership.pause()
    book.raise_(Alert("burn", "page", {"slo": "a"}, starts_at=200.0))
    rollback.send(_decision(210.0))
    assert not leadership() and received.alerts == [] and received.documents == []
    leadership.set(True, book, delivered_through=100.0)
    assert leadership()
    assert received.alerts == [("burn", True)] and received.documents == [210.0]
    book.raise_(Alert("burn", "page", {"slo": "b"}, starts_at=220.0))
    assert received.alerts[-1] == ("burn", True) and len(received.alerts) == 2


def test_a_leader_that_loses_the_lead_posts_no_decision_from_the_pause() -> None:
    """Assigned away from the lowest partition, the former leader drops the firing alert
    and the decision it held (the new leader sends them); a resolution still goes out,
    as from any replica."""
    leadership, book, received, rollback = _wired(leading=True)
    book.raise_(Alert("burn", "page", {"slo": "a"}, starts_at=150.0))
    received.alerts.clear()
    leadership.pause()
    book.raise_(Alert("burn", "page", {"slo": "b"}, starts_at=200.0))
    book.resolve("burn", {"slo": "a"}, at=205.0)
    rollback.send(_decision(210.0))
    leadership.set(False, book, delivered_through=180.0)
    assert received.alerts == [("burn", False)]
    assert received.documents == []


def test_a_replica_that_gains_the_lead_drops_the_held_and_resends_from_the_handover() -> None:
    """The new leader does not deliver what it held; it forwards every firing alert once
    and resends decisions from the last delivered tick (its `on_lead` callbacks)."""
    leadership, book, received, rollback = _wired(leading=False)
    resent: list[float] = []
    leadership.on_lead(resent.append)
    leadership.pause()
    book.raise_(Alert("burn", "page", {"slo": "a"}, starts_at=200.0))
    rollback.send(_decision(210.0))
    leadership.set(True, book, delivered_through=190.0)
    assert received.alerts == [("burn", True)]  # the forward of the firing alert, once
    assert received.documents == []
    assert resent == [190.0]
