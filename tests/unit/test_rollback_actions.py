"""The rollback webhook (a `DocumentSender`): payload, retries, failures that never reach
the loop, wiring."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
from prometheus_client import CollectorRegistry

from sentinel.delivery import DeliveryError, DeliveryReport, DocumentSender, health_check
from sentinel.errors import ConfigError
from sentinel.health import Health
from sentinel.rollback import Decision, RollbackRules, build_rollback, payload
from sentinel.telemetry.rollback import PrometheusRollbackRecorder
from sentinel.values import ALLOW
from tests.unit.test_rollback_engine import T0, accounted

DECISION = Decision(
    id="rb-0123456789abcdef",
    variant="canary",
    sli="latency",
    trigger="test",
    reason="latency: bad rate of canary 30.000% (150/500) exceeds the allowed 5.000%",
    at=1_793_610_055.5,
    rollout_started_at=1_793_610_000.0,
    dry_run=False,
    evidence={"canary_bad": 150, "canary_total": 500, "p_value": 1e-12, "test": "msprt"},
)


class FakeTransport:
    """Answers with the given statuses in turn, as the real transport does: a 2xx returns,
    another status raises DeliveryError with it, an exception instance is raised."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, Any], dict[str, str], float]] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> None:
        self.calls.append((url, json.loads(body), dict(headers), timeout))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if not 200 <= answer < 300:
            raise DeliveryError(f"HTTP {answer}: ", status=answer)


def notifier(
    transport: FakeTransport, health: Health | None = None
) -> tuple[DocumentSender, CollectorRegistry]:
    registry = CollectorRegistry()
    report = DeliveryReport(PrometheusRollbackRecorder(registry).count_delivery)
    if health is not None:
        report = DeliveryReport(report.count, health_check(health.set_info, "rollback_webhook"))
    return (
        DocumentSender(
            "rollback_webhook",
            "http://rollbacks.example.invalid/hook",
            {"Authorization": "Bearer t"},
            transport=transport,
            report=report,
            sleep=lambda seconds: None,
        ),
        registry,
    )


def deliveries(registry: CollectorRegistry, result: str) -> float | None:
    return registry.get_sample_value(
        "sentinel_rollback_webhook_deliveries_total", {"result": result}
    )


def test_the_payload_is_the_documented_versioned_decision() -> None:
    """POST `{"version": "sentinel.rollback.v1", "decision": {...}}` with the rules' headers."""
    transport = FakeTransport(200)
    hook, registry = notifier(transport)
    hook.send(payload(DECISION))
    assert hook.close()
    [(url, body, headers, timeout)] = transport.calls
    assert url == "http://rollbacks.example.invalid/hook" and timeout == 5.0
    assert headers == {"Authorization": "Bearer t"}  # the transport adds Content-Type
    assert body == {
        "version": "sentinel.rollback.v1",
        "decision": {
            "id": "rb-0123456789abcdef",
            "variant": "canary",
            "sli": "latency",
            "trigger": "test",
            "decision": "rollback",
            "reason": DECISION.reason,
            "at": 1_793_610_055.5,
            "at_rfc3339": "2026-11-02T09:00:55.500Z",
            "rollout_started_at": 1_793_610_000.0,
            "evidence": {"canary_bad": 150, "canary_total": 500, "p_value": 1e-12, "test": "msprt"},
        },
    }
    assert deliveries(registry, "ok") == 1


@pytest.mark.parametrize(
    ("answers", "calls", "result"),
    [
        ((503, 502, 200), 3, "ok"),
        ((503,), 3, "failed"),
        ((ConnectionRefusedError(),), 3, "failed"),
        ((401,), 1, "failed"),
        ((429, 200), 2, "ok"),
    ],
    ids=[
        "server errors are retried until one succeeds",
        "retries are bounded",
        "an unreachable receiver is retried, never raised",
        "a client error is not retried",
        "too many requests is retried",
    ],
)
def test_deliveries_retry_a_bounded_number_of_times(
    answers: tuple[int | Exception, ...], calls: int, result: str
) -> None:
    """Up to max_attempts tries; the outcome is counted and shown in readiness."""
    transport = FakeTransport(*answers)
    health = Health()
    hook, registry = notifier(transport, health)
    hook.send(payload(DECISION))
    assert hook.close()
    assert len(transport.calls) == calls and deliveries(registry, result) == 1
    _, detail = health.ready()  # shown in /readyz, but never fails readiness
    assert detail["rollback_webhook"]["ok"] is (result == "ok")
    assert detail["rollback_webhook"]["critical"] is False


def test_send_never_blocks_and_drops_beyond_the_queue() -> None:
    """With the receiver hanging, 100 decisions queue and the rest are dropped and counted."""
    release = threading.Event()

    def hanging(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> None:
        release.wait(10)

    registry = CollectorRegistry()
    hook = DocumentSender(
        "rollback_webhook",
        "http://rollbacks.example.invalid/hook",
        transport=hanging,
        report=DeliveryReport(PrometheusRollbackRecorder(registry).count_delivery),
    )
    for _ in range(150):
        hook.send(payload(DECISION))
    dropped = deliveries(registry, "dropped")
    release.set()
    assert hook.close()
    assert dropped is not None and 49 <= dropped <= 50  # the thread may hold one already
    assert (deliveries(registry, "ok") or 0) + dropped == 150


def test_a_real_loopback_receiver_gets_the_post() -> None:
    """The default (httpx) transport POSTs JSON with the headers to a local HTTP server."""
    received: list[tuple[str, dict[str, Any], str | None, str | None]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                (
                    self.path,
                    json.loads(body),
                    self.headers.get("X-Token"),
                    self.headers.get("Content-Type"),
                )
            )
            self.send_response(202)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/rollback"
        hook = DocumentSender("rollback_webhook", url, {"X-Token": "s3cret"})
        hook.send(payload(DECISION))
        assert hook.close()
    finally:
        server.shutdown()
        server.server_close()
    [(path, body, token, content_type)] = received
    assert path == "/rollback" and token == "s3cret" and content_type == "application/json"
    assert body["version"] == "sentinel.rollback.v1" and body["decision"]["id"] == DECISION.id


def rollback_rules(**fields: Any) -> RollbackRules:
    return RollbackRules.model_validate(
        {
            "version": "sentinel/v1",
            "kind": "rollback",
            "enabled": True,
            "slo_burn": {"enabled": True},
            "actions": {
                "webhook": {
                    "url": "http://rollbacks.example.invalid/hook",
                    "headers": {"Authorization": "Bearer ${ROLLBACK_TOKEN}"},
                }
            },
            **fields,
        }
    )


def test_a_missing_secret_variable_stops_the_start() -> None:
    """A webhook header from an unset environment variable is a start-up error, not a 401 later."""
    with pytest.raises(ConfigError) as error:
        build_rollback(rollback_rules(), environ={})
    assert str(error.value) == (
        "could not build the rollback webhook: actions.webhook.headers.Authorization: "
        "environment variable ROLLBACK_TOKEN is not set"
    )


@pytest.mark.parametrize(
    ("dry_run", "calls"),
    [(False, 1), (True, 0)],
    ids=["a live engine calls the webhook", "a dry run calls nothing"],
)
def test_built_engines_send_live_decisions_only(dry_run: bool, calls: int) -> None:
    """build_rollback wires the webhook with its secret header, and none in dry-run mode."""
    transport = FakeTransport(200)
    engine = build_rollback(
        rollback_rules(dry_run=dry_run),
        CollectorRegistry(),
        transport=transport,
        environ={"ROLLBACK_TOKEN": "abc"},
    )
    engine.observe(msgspec.structs.replace(accounted("canary"), event_time=T0), ALLOW)
    decision = engine.on_slo_page("canary", "canary-errors", T0 + 100)
    assert decision is not None and decision.dry_run is dry_run
    assert engine.close()
    assert len(transport.calls) == calls
    if calls:
        assert transport.calls[0][2]["Authorization"] == "Bearer abc"
