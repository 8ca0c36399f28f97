"""A real Alertmanager on loopback and a tiny webhook receiver it notifies.

Fixtures are defined here and imported by the test module that uses them (a non-root
conftest may not declare `pytest_plugins`):

    from _alertmanager import alertmanager_factory, webhook_sink  # noqa: F401
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from _procs import LOOPBACK, GiveUp, Proc, free_port, wait_until

Notification = dict[str, Any]  # Alertmanager's webhook payload, plus "path"
READY_TIMEOUT_S = 30.0


class WebhookSink:
    """Collects the JSON bodies POSTed to it (any path); `wait_for` polls them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[Notification] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                with sink._lock:
                    sink._received.append({"path": self.path, **body})
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet test output

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.url = f"http://{LOOPBACK}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    @property
    def received(self) -> list[Notification]:
        with self._lock:
            return list(self._received)

    def wait_for(
        self, predicate: Callable[[Notification], bool], what: str, timeout_s: float = 20.0
    ) -> Notification:
        """The first notification satisfying `predicate`; AssertionError after `timeout_s`."""

        def probe() -> Notification | None:
            return next((n for n in self.received if predicate(n)), None)

        try:
            return wait_until(probe, timeout_s, what, 0.05)
        except TimeoutError as e:
            raise AssertionError(f"{e}\nreceived: {json.dumps(self.received)[-3000:]}") from None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def alertmanager_binary() -> str:
    """Debian installs it as `prometheus-alertmanager`; upstream builds as `alertmanager`."""
    binary = shutil.which("alertmanager") or shutil.which("prometheus-alertmanager")
    if binary is None:
        pytest.fail("alertmanager not on PATH: run scripts/install-system-deps.sh", pytrace=False)
    return binary


def write_config(path: Path, webhook_url: str) -> Path:
    """Route severity=page to receiver `pager` and everything else to `tickets`, both
    webhooks at `webhook_url` (paths /page and /ticket); every alert is its own group
    and notifications go out after 1 s."""
    route_timing = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}
    config = {
        "route": {
            "receiver": "tickets",
            "group_by": ["..."],
            **route_timing,
            "routes": [{"receiver": "pager", "matchers": ['severity="page"']}],
        },
        "receivers": [
            {
                "name": name,
                "webhook_configs": [{"url": f"{webhook_url}/{path}", "send_resolved": True}],
            }
            for name, path in (("pager", "page"), ("tickets", "ticket"))
        ],
    }
    path.write_text(json.dumps(config, indent=2))  # JSON is valid YAML
    return path


def check_config(path: Path) -> str:
    """`amtool check-config`; returns its output, fails the test if it rejects the file."""
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.fail("amtool not on PATH: run scripts/install-system-deps.sh", pytrace=False)
    res = subprocess.run(
        [amtool, "check-config", str(path)], capture_output=True, text=True, timeout=30
    )
    assert res.returncode == 0, f"amtool check-config failed:\n{res.stdout}{res.stderr}"
    return res.stdout


class AlertmanagerHandle:
    """A started Alertmanager: `.url`, `.alerts()`."""

    def __init__(self, proc: Proc, url: str) -> None:
        self.proc = proc
        self.url = url

    def alerts(self) -> list[dict[str, Any]]:
        """GET /api/v2/alerts: what this replica holds (active, silenced, inhibited)."""
        resp = requests.get(f"{self.url}/api/v2/alerts", timeout=5)
        resp.raise_for_status()
        return list(resp.json())

    def stop(self) -> None:
        self.proc.stop()


def start_alertmanager(workdir: Path, config_path: Path, port: int) -> AlertmanagerHandle:
    """Start a non-clustered Alertmanager on 127.0.0.1:`port`; RuntimeError if not ready."""
    address = f"{LOOPBACK}:{port}"
    proc = Proc(
        "alertmanager",
        [
            alertmanager_binary(),
            f"--config.file={config_path}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address={address}",
            "--cluster.listen-address=",  # no gossip: replicas here are independent
        ],
        log_path=workdir / "alertmanager.log",
        cwd=workdir,
    )
    url = f"http://{address}"

    def ready() -> bool:
        if not proc.alive():
            raise GiveUp(f"exited with code {proc.popen.returncode}")
        return requests.get(f"{url}/-/ready", timeout=2).status_code == 200

    try:
        wait_until(ready, READY_TIMEOUT_S, f"alertmanager on {address} to be ready")
    except (TimeoutError, GiveUp) as e:
        proc.stop()
        raise RuntimeError(f"alertmanager did not start: {e}\nlog:\n{proc.log_tail()}") from None
    return AlertmanagerHandle(proc, url)


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    """A loopback HTTP server collecting Alertmanager's webhook notifications."""
    sink = WebhookSink()
    try:
        yield sink
    finally:
        sink.close()


@pytest.fixture
def alertmanager_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., AlertmanagerHandle]]:
    """`start(config_path, port=None)` starts a real Alertmanager (checked with amtool
    first) on a free or given loopback port; all are stopped after the test."""
    started: list[AlertmanagerHandle] = []

    def start(config_path: Path, port: int | None = None) -> AlertmanagerHandle:
        check_config(config_path)
        workdir = tmp_path_factory.mktemp("alertmanager")
        try:
            handle = start_alertmanager(workdir, config_path, port or free_port())
        except RuntimeError as e:
            pytest.fail(str(e), pytrace=False)
        started.append(handle)
        return handle

    try:
        yield start
    finally:
        for handle in started:
            handle.stop()
