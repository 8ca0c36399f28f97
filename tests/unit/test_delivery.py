"""The shared delivery component: the httpx transport, the retry policy on tenacity, the
one webhook config model for every rules kind, and how senders report."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from sentinel.alerting.config import AlertingRules, WebhookReceiver
from sentinel.delivery import (
    DOCUMENT_RETRY,
    Backoff,
    DeliveryError,
    DeliveryReport,
    DocumentSender,
    Endpoint,
    HttpTransport,
    RetryPolicy,
    Webhook,
    retryable,
    retrying,
)
from sentinel.guard.config import SpendGuardRules
from sentinel.health import Health
from sentinel.rollback.config import RollbackRules
from sentinel.rules.loader import RuleSet
from sentinel.wiring import THROTTLE_CHECK, build_throttle

# -- transport ------------------------------------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[tuple[Any, dict[str, str]]]]]:
    """A loopback server answering 200 on /ok, 429 on /busy and 500 elsewhere; records
    bodies and headers."""
    received: list[tuple[Any, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((body, dict(self.headers.items())))
            status = {"/ok": 200, "/busy": 429}.get(self.path, 500)
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"" if status == 200 else b"bad request:\n  no good" * 100)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_2xx_answer_is_success_and_the_body_arrives_as_sent(
    http_server: tuple[str, list[tuple[Any, dict[str, str]]]],
) -> None:
    """The body arrives unchanged, as JSON from sentinel, with the caller's headers."""
    url, received = http_server
    transport = HttpTransport()
    transport(url + "/ok", b'{"a": 1}', {"Authorization": "Bearer t"}, 5)
    transport.close()
    [(body, headers)] = received
    assert body == {"a": 1}
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Bearer t"
    assert headers["User-Agent"].startswith("sentinel/")


def test_a_rejection_names_the_status_and_the_start_of_the_answer(
    http_server: tuple[str, list[tuple[Any, dict[str, str]]]],
) -> None:
    """The status and at most 200 characters of the answer, on one line; a 5xx is retryable."""
    url, _ = http_server
    transport = HttpTransport()
    with pytest.raises(DeliveryError, match=r"^HTTP 500: bad request: no goodbad request") as error:
        transport(url + "/fail", b"{}", {}, 5)
    transport.close()
    assert error.value.status == 500 and not error.value.permanent
    assert len(str(error.value)) <= len("HTTP 500: ") + 200


def test_a_refused_connection_is_a_delivery_error() -> None:
    """Nothing listening is a DeliveryError without a status, not an OSError escaping."""
    with socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(DeliveryError, match=r"^could not connect: .*refused") as error:
            HttpTransport()(f"http://127.0.0.1:{port}/", b"{}", {}, 5)
    assert error.value.status is None and retryable(error.value)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (401, True), (404, True), (408, False), (425, False), (429, False), (503, False)],
    ids=lambda value: str(value),
)
def test_client_errors_are_permanent_except_timeouts_and_rate_limits(
    status: int, permanent: bool
) -> None:
    """A retry would get the same 4xx, except 408, 425 and 429; server errors are retried."""
    error = DeliveryError(f"HTTP {status}: ", status=status)
    assert error.permanent is permanent and retryable(error) is not permanent


# -- retry policy ---------------------------------------------------------------------------


def test_retrying_waits_the_backoff_between_bounded_attempts() -> None:
    """Three attempts wait 1 s then 2 s (no jitter), and the last error is raised."""
    slept: list[float] = []
    calls: list[int] = []

    def failing() -> None:
        calls.append(1)
        raise DeliveryError("HTTP 503: ", status=503)

    policy = RetryPolicy(initial_seconds=1, max_seconds=60, multiplier=2, jitter_ratio=0)
    with pytest.raises(DeliveryError, match="HTTP 503"):
        retrying(policy, 3, sleep=slept.append)(failing)
    assert len(calls) == 3 and slept == [1.0, 2.0]


def test_documents_keep_their_doubling_schedule_up_to_ten_attempts() -> None:
    """A rollback decision's waits are 1, 2, 4 … 256 s, uncapped and unjittered, as before."""
    slept: list[float] = []

    def failing() -> None:
        raise DeliveryError("could not connect: refused")

    with pytest.raises(DeliveryError):
        retrying(DOCUMENT_RETRY, 10, sleep=slept.append)(failing)
    assert slept == [2.0**n for n in range(9)]


def test_a_permanent_rejection_ends_the_attempts_at_once() -> None:
    """A 401 is tried once: no wait, no second attempt."""
    slept: list[float] = []
    calls: list[int] = []

    def refused() -> None:
        calls.append(1)
        raise DeliveryError("HTTP 401: ", status=401)

    with pytest.raises(DeliveryError):
        retrying(RetryPolicy(), 5, sleep=slept.append)(refused)
    assert calls == [1] and slept == []


def test_jitter_only_shortens_the_delay() -> None:
    """With 20 % jitter every delay lies in [0.8, 1] of the capped exponential."""
    backoff = Backoff(RetryPolicy(initial_seconds=2, max_seconds=10, jitter_ratio=0.2), None)
    for failures, nominal in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (50, 10.0)]:
        delays = [backoff.after(failures) for _ in range(100)]
        assert all(0.8 * nominal <= d <= nominal for d in delays)
        assert min(delays) < nominal  # the jitter is applied


# -- one config model -----------------------------------------------------------------------


def load(kind: type[Any], text: str) -> Any:
    return kind.model_validate(yaml.safe_load(text))


def test_every_kind_configures_its_webhook_with_the_one_model() -> None:
    """Alert receivers, the rollback webhook and the throttle webhook share one model."""
    alerting = load(
        AlertingRules,
        "version: sentinel/v1\nkind: alerting\nwebhooks: [{url: 'http://h.example/a'}]\n",
    )
    rollback = load(
        RollbackRules,
        "version: sentinel/v1\nkind: rollback\n"
        "actions: {webhook: {url: 'http://h.example/r', headers: {X-Token: t},"
        " timeout_seconds: 2, max_attempts: 5}}\n",
    )
    guard = load(
        SpendGuardRules,
        "version: sentinel/v1\nkind: spend_guard\n"
        "throttle_webhook: {url: 'http://h.example/t', headers: {X-Token: t}}\n",
    )
    assert isinstance(alerting.webhooks[0], WebhookReceiver)
    assert isinstance(alerting.webhooks[0], Endpoint)
    assert isinstance(rollback.actions.webhook, Webhook)
    assert isinstance(guard.throttle_webhook, Webhook)
    assert (rollback.actions.webhook.timeout_seconds, rollback.actions.webhook.max_attempts) == (
        2,
        5,
    )
    assert (guard.throttle_webhook.timeout_seconds, guard.throttle_webhook.max_attempts) == (5, 3)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("throttle_webhook: {headers: {X: y}}", "throttle_webhook.url"),
        ("throttle_webhook: {url: 'ftp://h.example/t'}", "throttle_webhook.url"),
        ("throttle_webhook: {url: 'http://h.example/t', retries: 3}", "throttle_webhook.retries"),
    ],
    ids=["a throttle webhook needs a url", "only http urls", "unknown keys are refused"],
)
def test_a_bad_throttle_webhook_is_refused_with_its_field(text: str, problem: str) -> None:
    """The shared model keeps failing closed, naming the field."""
    with pytest.raises(ValueError, match=problem.replace(".", r"\.")):
        load(SpendGuardRules, f"version: sentinel/v1\nkind: spend_guard\n{text}\n")


def test_a_rollback_webhook_without_a_url_is_off() -> None:
    """`actions.webhook` keeps loading without a url (off), as before."""
    rules = load(
        RollbackRules, "version: sentinel/v1\nkind: rollback\nactions: {webhook: {headers: {}}}\n"
    )
    assert rules.actions.webhook.url is None


# -- the throttle sender --------------------------------------------------------------------


def test_the_throttle_webhook_reports_its_health_and_never_raises(
    http_server: tuple[str, list[tuple[Any, dict[str, str]]]],
) -> None:
    """A throttle call the receiver refuses is counted and shows in /readyz, not failing it."""
    url, received = http_server
    rules = RuleSet(
        spend_guard=load(
            SpendGuardRules,
            f"version: sentinel/v1\nkind: spend_guard\n"
            f"throttle_webhook: {{url: '{url}/busy', max_attempts: 2}}\n",
        )
    )
    health, registry = Health(), CollectorRegistry()
    sender = build_throttle(rules, health, registry)
    assert isinstance(sender, DocumentSender)
    sender._sleep = lambda seconds: None  # no need to wait out the backoff here
    sender.send({"version": "sentinel.throttle.v1", "action": "throttle"})
    assert sender.close()
    assert len(received) == 2  # 429 is retried, up to max_attempts
    assert (
        registry.get_sample_value(
            "sentinel_throttle_webhook_deliveries_total", {"result": "failed"}
        )
        == 1
    )
    _, detail = health.ready()
    assert detail[THROTTLE_CHECK] == {
        "ok": False,
        "detail": "last delivery failed: HTTP 429",
        "critical": False,
    }


def test_a_full_queue_drops_and_counts_instead_of_blocking() -> None:
    """send() never waits: past 100 queued documents the rest are counted as dropped."""
    release = threading.Event()
    counted: dict[str, int] = {}

    def hanging(*args: Any) -> None:
        release.wait(10)

    def count(result: str, n: int) -> None:
        counted[result] = counted.get(result, 0) + n

    sender = DocumentSender(
        "throttle_webhook",
        "http://h.example/t",
        transport=hanging,
        report=DeliveryReport(count),
        rng=random.Random(1),
    )
    for _ in range(120):
        sender.send({"n": 1})
    release.set()
    assert sender.close()
    assert 19 <= counted["dropped"] <= 20 and counted["ok"] + counted["dropped"] == 120
