"""Guardrails end to end: three hours of synthetic event time through a real Kafka topic into
`sentinel run`, with a real Alertmanager and webhook receivers run by the test; then
`sentinel replay` of the same events must decide exactly what the live run decided.

`sentinel run` is started first and the traffic produced to it as fast as the broker takes
it. The incident stream (one topic, one partition, so the JSONL file holds the events in
the order they were consumed):

- support-bot: baseline and canary at the same volume; the canary cites `[doc-9]` (its
  context holds doc-1..doc-3) in 1 answer of 5, the baseline in 1 of 50. The hallucination
  gate rolls the canary back; the canary's hallucination SLO pages too (`slo_burn`).
- checkout-api: 40 % errors, a fast burn: a page.
- search-api: 5 % errors, a slow burn: a ticket on a 2 h / 10 min pair, never a page
  (5 % is under both page pairs' 14.4 % and 6 %, in every window).
- billing-bot: cheap traffic, then an hour of 44k-token claude-sonnet-4-5 exchanges
  (~$65/h) against a $20/h spend guard, to the end: throttled and alerting at the end.
- batch-bot: the same burst for 15 minutes only: throttled, then released.

A control run gives the canary the baseline's quality at the same volume: no decision.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from _alertmanager import (
    AlertmanagerHandle,
    Notification,
    WebhookSink,
    check_config,
    start_alertmanager,
)
from _procs import free_port, wait_until
from _sentinel import RULES_DIR, SENTINEL_BIN, SentinelProc, start_sentinel, total
from _traffic import (
    Traffic,
    at,
    canary_rollout,
    error_stream,
    produce,
    spend_stream,
)

SPAN = range(180)  # minutes of event time
SPIKE = range(120, 180)  # minutes of expensive billing-bot traffic
BURST = range(60, 75)  # minutes of expensive batch-bot traffic
MIN_SAMPLES = 200
ALPHA = 0.01
GATES = ("hallucination", "latency", "errors", "pii_leak")
COOLDOWN_S = 1800
MAX_USD_PER_HOUR = 20
TICK_S = 30  # evaluation_interval_seconds
WAIT_S = 30.0  # deliveries go out on sender threads, Alertmanager groups for 1 s
CATCH_UP_S = 60.0  # a run consumes its ~9k events in a few seconds
SLO_ALERT = "SentinelSLOBurnRate"
SPEND_ALERT = "SentinelSpendBurn"
EXTERNAL_LABELS = {"cluster": "it"}


# ------------------------------------------------------------------------------ rules


def write_rules(
    directory: Path, hooks_url: str, alertmanager_url: str | None, alerts_url: str | None
) -> Path:
    """The repository's rules with rollback, SLOs, spend guard and alerting overridden."""
    shutil.copytree(RULES_DIR, directory)

    def write(name: str, document: dict[str, Any]) -> None:
        body = {"version": "sentinel/v1", **document}
        (directory / name).write_text(yaml.safe_dump(body, sort_keys=False))

    def gate(name: str, sli: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"name": name, "sli": sli, "min_samples_per_variant": MIN_SAMPLES, **extra}

    write(
        "rollback.yaml",
        {
            "kind": "rollback",
            "enabled": True,
            "dry_run": False,
            "baseline_variant": "baseline",
            "canary_variant": "canary",
            "alpha": ALPHA,
            "evaluate_every_seconds": 5,
            "cooldown_seconds": COOLDOWN_S,
            "reset_after_idle_seconds": 900,
            "gates": [
                gate(
                    "hallucination",
                    {"kind": "hallucination"},
                    max_degradation={"relative": 0.25, "absolute": 0.005},
                    mixture_sd=0.02,
                ),
                gate(
                    "latency",
                    {"kind": "latency", "threshold": 8000},
                    max_degradation={"absolute": 0.02},
                    mixture_sd=0.05,
                ),
                gate("errors", {"kind": "errors"}, max_degradation={"absolute": 0.01}),
                gate("pii_leak", {"kind": "pii_leak"}, mixture_sd=0.01),
            ],
            "slo_burn": {"enabled": True, "slos": []},
            "actions": {"webhook": {"url": f"{hooks_url}/rollback", "max_attempts": 5}},
            "scope": {"service": ["support-bot"]},
        },
    )
    write(
        "slos.yaml",
        {
            "kind": "slos",
            "evaluation_interval_seconds": TICK_S,
            "slos": [
                {  # default pairs: page on 14.4x over 1 h / 5 min or 6x over 6 h / 30 min
                    "name": "checkout-errors",
                    "sli": {"kind": "errors"},
                    "objective": 0.99,
                    "by": ["service"],
                    "match": {"service": ["checkout-api"]},
                },
                {  # ticket: 0.5 % of 30 days' budget in 2 h (1.8x), short window 10 min
                    "name": "search-errors",
                    "sli": {"kind": "errors"},
                    "objective": 0.99,
                    "by": ["service"],
                    "match": {"service": ["search-api"]},
                    "ticket": [{"long_minutes": 120, "budget_share": 0.005}],
                },
                {
                    "name": "support-hallucination",
                    "sli": {"kind": "hallucination"},
                    "objective": 0.99,
                    "by": ["service", "variant"],
                    "match": {"service": ["support-bot"], "variant": ["canary"]},
                },
            ],
        },
    )
    write(
        "spend_guard.yaml",
        {
            "kind": "spend_guard",
            "guards": [
                {
                    "name": "service-burn",
                    "by": ["service"],
                    "window_minutes": 10,
                    "max_usd_per_hour": MAX_USD_PER_HOUR,
                }
            ],
            "throttle_webhook": {"url": f"{hooks_url}/throttle"},
        },
    )
    write(
        "alerting.yaml",
        {
            "kind": "alerting",
            "alertmanager": [{"url": alertmanager_url}] if alertmanager_url else [],
            "webhooks": [{"url": alerts_url}] if alerts_url else [],
            "resend_interval_seconds": 5,
            "resolved_resend_seconds": 30,
            "request_timeout_seconds": 5,
            "retry": {"initial_seconds": 0.2, "max_seconds": 1, "multiplier": 2},
            "external_labels": EXTERNAL_LABELS,
        },
    )
    return directory


def write_alertmanager_config(path: Path, webhook_url: str) -> Path:
    """The routing tree of docs/alerting.md with 1 s timings: page and critical to the
    on-call receiver (`/page`), tickets to `/ticket`; a page inhibits its SLO's ticket."""
    config = {
        "route": {
            "receiver": "tickets",
            "group_by": ["alertname", "service", "slo"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "1h",
            "routes": [
                {"matchers": ['severity=~"page|critical"'], "receiver": "oncall"},
                {"matchers": ['severity="ticket"'], "receiver": "tickets"},
            ],
        },
        "inhibit_rules": [
            {
                "source_matchers": ['severity=~"page|critical"'],
                "target_matchers": ['severity="ticket"'],
                "equal": ["alertname", "service", "slo"],
            }
        ],
        "receivers": [
            {
                "name": name,
                "webhook_configs": [{"url": f"{webhook_url}/{route}", "send_resolved": True}],
            }
            for name, route in (("oncall", "page"), ("tickets", "ticket"))
        ],
    }
    path.write_text(json.dumps(config, indent=2))  # JSON is valid YAML
    return path


# ------------------------------------------------------------------------------- runs


@dataclass
class Run:
    sentinel: SentinelProc
    traffic: Traffic
    rules: Path
    jsonl: Path
    hooks_path: str  # prefix of this run's webhook paths on the hooks receiver

    @property
    def last_tick(self) -> float:
        return float(math.floor(self.traffic.last_ts / TICK_S) * TICK_S)

    def argo(self) -> dict[str, Any]:
        resp = self.sentinel.get("/gates/argo?variant=canary")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def wait_caught_up(self) -> None:
        """Every event read and every tick up to the last event evaluated (the gate's
        `evaluated_at` moves with the monitors' ticks)."""
        n = len(self.traffic.timed)
        self.sentinel.wait_metrics(
            lambda s: total(s, "sentinel_events_read_total") >= n, CATCH_UP_S, f"{n} events read"
        )
        assert total(self.sentinel.metrics(), "sentinel_events_read_total") == n
        assert total(self.sentinel.metrics(), "sentinel_events_invalid_total") == 0
        wait_until(
            lambda: (self.argo().get("evaluated_at") or 0) >= self.last_tick,
            CATCH_UP_S,
            "the monitors to evaluate the last tick",
        )


def start_run(
    name: str,
    traffic: Traffic,
    workdir: Path,
    bootstrap: str,
    create_topic: Callable[..., None],
    hooks: WebhookSink,
    alertmanager_url: str | None,
    deliver_alerts: bool,
) -> Run:
    """Start `sentinel run` with rules of its own on a fresh one-partition topic, then
    produce `traffic` to it (key = request_id); the same bytes go to a JSONL file."""
    suffix = uuid.uuid4().hex[:8]
    topics = {kind: f"it-e2e-{name}-{kind}-{suffix}" for kind in ("events", "dlq", "verdicts")}
    for topic in topics.values():
        create_topic(bootstrap, topic, 1)
    hooks_path = f"/{name}"
    rules = write_rules(
        workdir / "rules",
        f"{hooks.url}{hooks_path}",
        alertmanager_url,
        f"{hooks.url}{hooks_path}/alerts" if deliver_alerts else None,
    )
    jsonl = traffic.write_jsonl(workdir / "traffic.jsonl")
    sentinel = start_sentinel(
        workdir,
        bootstrap,
        topics["events"],
        f"it-e2e-{name}-group-{suffix}",
        topics["dlq"],
        topics["verdicts"],
        extra_args=["--rules", str(rules), "--verdicts", "off"],
        name=f"sentinel-{name}",
    )
    try:
        produce(bootstrap, topics["events"], traffic.records())
    except BaseException:
        sentinel.stop()
        raise
    return Run(sentinel, traffic, rules, jsonl, hooks_path)


def incident_traffic() -> Traffic:
    return Traffic.merge(
        [
            *canary_rollout(SPAN, degraded=True),
            error_stream("checkout", "checkout-api", SPAN, 10, (1, 3, 6, 8), phase=0.3),
            error_stream("search", "search-api", SPAN, 20, (19,), phase=0.5),
            *spend_stream("billing-bot", SPAN, SPIKE, phase=0.7),
            *spend_stream("batch-bot", SPAN, BURST, phase=0.85),
        ]
    )


@pytest.fixture(scope="module")
def am_sink() -> Iterator[WebhookSink]:
    """Receives Alertmanager's notifications: `/page` (on call) and `/ticket`."""
    sink = WebhookSink()
    try:
        yield sink
    finally:
        sink.close()


@pytest.fixture(scope="module")
def alertmanager(
    tmp_path_factory: pytest.TempPathFactory, am_sink: WebhookSink
) -> Iterator[AlertmanagerHandle]:
    """A real Alertmanager with the documented routing tree, notifying `am_sink`."""
    workdir = tmp_path_factory.mktemp("alertmanager-e2e")
    config = write_alertmanager_config(workdir / "am.yml", am_sink.url)
    check_config(config)
    try:
        handle = start_alertmanager(workdir, config, free_port())
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def incident(
    kafka_bootstrap: str,
    create_topic: Callable[..., None],
    tmp_path_factory: pytest.TempPathFactory,
    hooks: WebhookSink,
    alertmanager: AlertmanagerHandle,
) -> Iterator[Run]:
    """The incident stream consumed by `sentinel run`, caught up to its last event."""
    run = start_run(
        "incident",
        incident_traffic(),
        tmp_path_factory.mktemp("incident"),
        kafka_bootstrap,
        create_topic,
        hooks,
        alertmanager.url,
        deliver_alerts=True,
    )
    try:
        run.wait_caught_up()
        yield run
    finally:
        run.sentinel.stop()


# ---------------------------------------------------------------------------- helpers


def posted(hooks: WebhookSink, path: str) -> list[Notification]:
    return [n for n in hooks.received if n.get("path") == path]


def am_alert(
    path: str, status: str, **labels: str
) -> Callable[[Notification], dict[str, Any] | None]:
    """Finds, in an Alertmanager notification to `path`, an alert with `status` whose
    labels include `labels`."""

    def find(n: Notification) -> dict[str, Any] | None:
        if n.get("path") != path:
            return None
        for alert in n.get("alerts", []):
            got = alert.get("labels", {})
            if alert.get("status") == status and all(got.get(k) == v for k, v in labels.items()):
                return dict(alert)
        return None

    return find


def instant(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339).timestamp()


AlertKey = tuple[str, str, tuple[tuple[str, str], ...], float]


def alert_key(name: str, severity: str, labels: dict[str, str], starts_at: str) -> AlertKey:
    own = {
        k: v
        for k, v in labels.items()
        if k not in ("alertname", "severity") and k not in EXTERNAL_LABELS
    }
    return name, severity, tuple(sorted(own.items())), instant(starts_at)


def wait_equal(live: Callable[[], Any], expected: Any, what: str) -> None:
    """Wait (bounded) until `live()` equals `expected`; fail showing both sides if not."""
    try:
        wait_until(lambda: live() == expected, WAIT_S, what)
    except TimeoutError:
        got = live()
        if isinstance(got, set):
            detail = f"only live: {sorted(got - expected)}\nonly replay: {sorted(expected - got)}"
        else:
            detail = f"live: {got}\nreplay: {expected}"
        pytest.fail(f"{what} differ from the replay's:\n{detail}", pytrace=False)


def replay(run: Run) -> dict[str, Any]:
    res = subprocess.run(
        [
            str(SENTINEL_BIN),
            "replay",
            str(run.jsonl),
            "--rules",
            str(run.rules),
            "--report",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, f"sentinel replay exited {res.returncode}:\n{res.stderr[-3000:]}"
    return dict(json.loads(res.stdout))


# ------------------------------------------------------------------------------ tests


def test_a_degraded_canary_is_rolled_back_and_a_healthy_one_is_not(
    incident: Run,
    hooks: WebhookSink,
    kafka_bootstrap: str,
    create_topic: Callable[..., None],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A canary citing unsupported sources is rolled back; one as good as the baseline is not."""
    posted_decision = hooks.wait_for(
        lambda n: (
            n.get("path") == f"{incident.hooks_path}/rollback"
            and n.get("decision", {}).get("trigger") == "test"
        ),
        "a rollback decision of the hallucination gate",
        WAIT_S,
    )
    assert posted_decision["version"] == "sentinel.rollback.v1"
    decision = posted_decision["decision"]
    assert (decision["variant"], decision["sli"], decision["decision"]) == (
        "canary",
        "hallucination",
        "rollback",
    )
    assert decision["rollout_started_at"] == pytest.approx(incident.traffic.first_ts("canary"))
    assert decision["at"] % TICK_S == 0 and at(0) < decision["at"] <= incident.traffic.last_ts
    evidence = decision["evidence"]
    c_bad, c_total = evidence["canary_bad"], evidence["canary_total"]
    b_bad, b_total = evidence["baseline_bad"], evidence["baseline_total"]
    assert min(c_total, b_total) >= MIN_SAMPLES
    assert abs(c_total - b_total) <= 1  # same volume: one canary a slot after the baseline's
    assert evidence["canary_rate"] == pytest.approx(c_bad / c_total)
    assert evidence["baseline_rate"] == pytest.approx(b_bad / b_total)
    assert 0.18 <= evidence["canary_rate"] <= 0.21 and evidence["baseline_rate"] <= 0.021
    assert evidence["canary_rate"] > evidence["allowed_rate"]
    assert evidence["alpha"] == pytest.approx(ALPHA / len(GATES))
    assert evidence["p_value"] <= evidence["alpha"]
    reason = decision["reason"]
    assert reason.startswith("hallucination: ")
    assert f"({c_bad}/{c_total})" in reason and f"{b_bad}/{b_total}" in reason

    argo = incident.argo()
    assert argo["healthy"] is False and argo["would_roll_back"] is True
    assert argo["enabled"] is True and argo["dry_run"] is False
    assert argo["decision"]["variant"] == "canary"
    closed = {g["name"]: g["closed"] for g in argo["gates"]}
    assert closed == {"hallucination": True, "latency": False, "errors": False, "pii_leak": False}
    for method in (requests.get, requests.post):  # Flagger POSTs its own body
        answer = method(
            f"{incident.sentinel.url}/gates/flagger/rollback?variant=canary", timeout=5, json={}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["rollback"] is True
    promotion = incident.sentinel.get("/gates/flagger/promotion?variant=canary")
    assert promotion.status_code == 409

    # Control: the canary answers like the baseline, at the same volume.
    control = start_run(
        "control",
        Traffic.merge(canary_rollout(SPAN, degraded=False)),
        tmp_path_factory.mktemp("control"),
        kafka_bootstrap,
        create_topic,
        hooks,
        alertmanager_url=None,
        deliver_alerts=False,
    )
    try:
        control.wait_caught_up()
        argo = control.argo()
        assert argo["healthy"] is True and argo["would_roll_back"] is False, argo
        assert argo["decision"] is None and argo["enough_samples"] is True
        hallucination = next(g for g in argo["gates"] if g["name"] == "hallucination")
        assert hallucination["canary"]["total"] >= MIN_SAMPLES
        assert abs(hallucination["canary"]["total"] - hallucination["baseline"]["total"]) <= 1
        assert not any(g["closed"] for g in argo["gates"])
        rollback = control.sentinel.get("/gates/flagger/rollback?variant=canary")
        assert rollback.status_code == 409 and rollback.json()["rollback"] is False
        assert control.sentinel.get("/gates/flagger/promotion?variant=canary").status_code == 200
        samples = control.sentinel.metrics()
        assert total(samples, "sentinel_rollback_decisions_total") == 0
        assert total(samples, "sentinel_rollback_gate_open", variant="canary") == 1
        assert posted(hooks, f"{control.hooks_path}/rollback") == []
    finally:
        control.sentinel.stop()


def test_a_fast_burn_pages_and_a_slow_burn_files_a_ticket(
    incident: Run, am_sink: WebhookSink, alertmanager: AlertmanagerHandle, hooks: WebhookSink
) -> None:
    """40 % errors page via Alertmanager; 5 % errors file a ticket (2 h pair), never a page."""
    find_page = am_alert(
        "/page", "firing", alertname=SLO_ALERT, severity="page", slo="checkout-errors"
    )
    notification = am_sink.wait_for(lambda n: bool(find_page(n)), "the checkout page", WAIT_S)
    page = find_page(notification)
    assert page is not None
    assert page["labels"] == {
        "alertname": SLO_ALERT,
        "severity": "page",
        "slo": "checkout-errors",
        "service": "checkout-api",
        **EXTERNAL_LABELS,
    }
    assert "burning its error budget" in page["annotations"]["summary"]
    assert instant(page["startsAt"]) == at(0.5)  # the first tick: 40 % from the start

    find_ticket = am_alert(
        "/ticket", "firing", alertname=SLO_ALERT, severity="ticket", slo="search-errors"
    )
    notification = am_sink.wait_for(lambda n: bool(find_ticket(n)), "the search ticket", WAIT_S)
    ticket = find_ticket(notification)
    assert ticket is not None
    assert ticket["labels"]["service"] == "search-api"
    assert "1.8x" in ticket["annotations"]["summary"]  # 0.005 * 30 d / 2 h
    # The first tick reads the first minute whole (ticks read complete minutes): 1 bad of 20.
    assert instant(ticket["startsAt"]) == at(0.5)

    # No page for search-errors: every page firing in sentinel's book reaches Alertmanager,
    # and none of them is for it.
    samples = incident.sentinel.metrics()
    pages = total(samples, "sentinel_alerts_firing", alertname=SLO_ALERT, severity="page")

    def am_pages() -> list[dict[str, Any]]:
        return [
            a
            for a in alertmanager.alerts()
            if a["labels"].get("alertname") == SLO_ALERT and a["labels"]["severity"] == "page"
        ]

    held = wait_until(
        lambda: found if len(found := am_pages()) == pages else None,
        WAIT_S,
        f"{pages:.0f} SLO pages in Alertmanager",
    )
    assert {a["labels"]["slo"] for a in held} == {"checkout-errors", "support-hallucination"}
    assert not any(
        n.get("alert", {}).get("labels", {}).get("slo") == "search-errors"
        and n["alert"]["severity"] != "ticket"
        for n in posted(hooks, f"{incident.hooks_path}/alerts")
    )
    assert not any(
        a.get("labels", {}).get("slo") == "search-errors"
        for n in am_sink.received
        if n.get("path") == "/page"
        for a in n.get("alerts", [])
    )


def test_a_spend_spike_throttles_and_alerts(
    incident: Run, am_sink: WebhookSink, hooks: WebhookSink
) -> None:
    """Expensive exchanges trip the $20/h guard: a throttle call and a critical alert."""

    def calls(service: str) -> list[Notification]:
        return [
            n
            for n in posted(hooks, f"{incident.hooks_path}/throttle")
            if n.get("labels") == {"service": service}
        ]

    throttle = wait_until(lambda: calls("billing-bot"), WAIT_S, "billing-bot's throttle call")[0]
    assert throttle["version"] == "sentinel.throttle.v1"
    assert throttle["action"] == "throttle"
    assert throttle["guard"] == "service-burn"
    assert throttle["usd_per_hour"] > MAX_USD_PER_HOUR
    assert throttle["reason"] == f"${throttle['usd_per_hour']:.2f}/h over ${MAX_USD_PER_HOUR}/h"
    assert throttle["at"] % TICK_S == 0
    assert at(SPIKE.start) < throttle["at"] < at(SPIKE.start + 10)  # within one guard window

    find = am_alert(
        "/page",
        "firing",
        alertname=SPEND_ALERT,
        severity="critical",
        guard="service-burn",
        service="billing-bot",
    )
    notification = am_sink.wait_for(lambda n: bool(find(n)), "the spend alert", WAIT_S)
    alert = find(notification)
    assert alert is not None
    assert instant(alert["startsAt"]) == throttle["at"]
    assert "Spend guard service-burn tripped" in alert["annotations"]["summary"]

    # batch-bot's 15-minute burst: throttled, then released once its 10-minute window drains.
    throttled, released = wait_until(
        lambda: found if len(found := calls("batch-bot")) >= 2 else None,
        WAIT_S,
        "batch-bot's throttle and release calls",
    )
    assert (throttled["action"], released["action"]) == ("throttle", "release")
    assert at(BURST.start) < throttled["at"] < at(BURST.start + 10)
    assert at(BURST.stop) < released["at"] <= at(BURST.stop + 10)
    assert released["at"] % TICK_S == 0
    assert released["version"] == "sentinel.throttle.v1"
    assert released["guard"] == "service-burn"
    # billing-bot's spike lasts to the end of the traffic: one call, no release.
    assert [n["action"] for n in calls("billing-bot")] == ["throttle"]
    assert len(calls("batch-bot")) == 2
    # A release comes once the rate is back under every threshold, and reports that rate.
    assert released["usd_per_hour"] <= MAX_USD_PER_HOUR, f"release reports {released}"


def ended(value: str | None, last: float) -> float | None:
    """An end time, or None for an alert still firing at the last event's time."""
    return None if value is None or instant(value) > last else instant(value)


def test_replay_of_the_same_events_decides_what_the_live_run_decided(
    incident: Run, alertmanager: AlertmanagerHandle, hooks: WebhookSink
) -> None:
    """`sentinel replay` of the same events yields the live alerts and rollbacks, at equal times."""
    report = replay(incident)
    assert report["events"]["read"] == len(incident.traffic.timed)
    last = incident.traffic.last_ts
    expected = {
        (
            alert_key(a["name"], a["severity"], a["labels"], a["starts_at"]),
            ended(a["ends_at"], last),
        )
        for a in report["alerts"]
    }
    assert len(expected) == len(report["alerts"])
    assert {(key[0], key[1]) for key, _ in expected} == {
        (SLO_ALERT, "page"),
        (SLO_ALERT, "ticket"),
        (SPEND_ALERT, "critical"),
    }
    firing = {key for key, ends_at in expected if ends_at is None}
    assert len(firing) < len(expected)  # batch-bot's spend alert resolved

    def live_in_alertmanager() -> set[AlertKey]:
        """Alertmanager lists the alerts that are active (or suppressed), not resolved ones."""
        return {
            alert_key(a["labels"]["alertname"], a["labels"]["severity"], a["labels"], a["startsAt"])
            for a in alertmanager.alerts()
            if instant(a["startsAt"]) <= last
        }

    def live_in_webhook() -> set[tuple[AlertKey, float | None]]:
        """The latest state of each alert posted to the sentinel.alert.v1 webhook."""
        latest: dict[AlertKey, float | None] = {}
        for n in posted(hooks, f"{incident.hooks_path}/alerts"):
            a = n["alert"]
            key = alert_key(a["name"], a["severity"], a["labels"], a["starts_at"])
            if key[3] <= last:
                latest[key] = ended(a["ends_at"], last)
        return set(latest.items())

    wait_equal(live_in_alertmanager, firing, "Alertmanager's alerts")
    wait_equal(live_in_webhook, expected, "the sentinel.alert.v1 webhook's alerts")

    replayed = [
        (d["id"], d["variant"], d["sli"], d["trigger"], d["at"]) for d in report["rollbacks"]
    ]
    assert {d[3] for d in replayed} == {"test", "slo_burn"}
    assert all(d["decision"] == "dry_run" for d in report["rollbacks"])

    def live_rollbacks() -> list[tuple[str, str, str, str, float]]:
        decisions = [n["decision"] for n in posted(hooks, f"{incident.hooks_path}/rollback")]
        return sorted(
            (d["id"], d["variant"], d["sli"], d["trigger"], d["at"])
            for d in decisions
            if d["at"] <= last
        )

    wait_equal(live_rollbacks, sorted(replayed), "the rollback webhook's decisions")
