"""Fixtures that start REAL components on loopback: a Kafka broker (scripts/kafka.sh)
and Prometheus servers (the `prometheus` binary).

Nothing here skips: a component that cannot start FAILS the tests that need it,
so CI cannot go green without having talked to the real thing. Install the tools
with scripts/install-system-deps.sh; the broker's jars are fetched on first use
(scripts/kafka.sh fetch, cached in $SENTINEL_CACHE_DIR or ~/.cache/sentinel).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the helper modules below, whatever pytest's import mode

from _alertmanager import WebhookSink  # noqa: E402
from _kafka import create_topic as _create_topic  # noqa: E402
from _procs import free_port_pair  # noqa: E402
from _prometheus import PrometheusHandle, start_prometheus  # noqa: E402

REPO_ROOT = HERE.parents[1]
KAFKA_SH = REPO_ROOT / "scripts" / "kafka.sh"
# covers a first-time `fetch` of the broker's jars as well as the start itself
KAFKA_START_TIMEOUT_S = 600


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: talks to a real Kafka broker / Prometheus / Alertmanager"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


def _require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(
            f"required tool(s) not on PATH: {', '.join(missing)}; "
            "run scripts/install-system-deps.sh",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address ("127.0.0.1:PORT") of a real single-node KRaft broker (session)."""
    _require("java", "kcat")
    data_dir = tmp_path_factory.mktemp("kafka")
    port = free_port_pair()
    t0 = time.monotonic()
    try:
        res = subprocess.run(
            ["bash", str(KAFKA_SH), "start", str(data_dir), str(port)],
            capture_output=True,
            text=True,
            timeout=KAFKA_START_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as e:
        res = subprocess.CompletedProcess(e.cmd, -1, "", f"{e.stderr or ''}\ntimed out: {e}")
    if res.returncode != 0:
        subprocess.run(["bash", str(KAFKA_SH), "stop", str(data_dir)], capture_output=True)
        pytest.fail(
            f"Kafka broker did not start on 127.0.0.1:{port} (exit {res.returncode}).\n"
            f"{res.stdout[-2000:]}{res.stderr[-6000:]}",
            pytrace=False,
        )
    elapsed = time.monotonic() - t0
    sys.stderr.write(f"\n[kafka broker ready on 127.0.0.1:{port} in {elapsed:.1f}s]\n")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(
            ["bash", str(KAFKA_SH), "stop", str(data_dir)],
            capture_output=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def hooks() -> Iterator[WebhookSink]:
    """A loopback receiver of sentinel's own calls (rollback decisions, throttle calls,
    sentinel.alert.v1 webhooks), one per test module."""
    sink = WebhookSink()
    try:
        yield sink
    finally:
        sink.close()


@pytest.fixture(scope="session")
def create_topic() -> Callable[..., None]:
    """`create_topic(bootstrap, name, partitions=1, configs=None)`; waits for leaders."""
    return _create_topic


@pytest.fixture(scope="session")
def prometheus_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., PrometheusHandle]]:
    """`start(targets, scrape_interval="1s", job="sentinel", rule_files=(), alertmanagers=())`
    starts a real Prometheus scraping `targets` (and itself as job "prometheus").
    Every server started is stopped at the end of the session."""
    _require("prometheus")
    started: list[PrometheusHandle] = []

    def start(
        targets: list[str],
        scrape_interval: str = "1s",
        job: str = "sentinel",
        rule_files: Sequence[Path | str] = (),
        alertmanagers: Sequence[str] = (),
    ) -> PrometheusHandle:
        workdir = tmp_path_factory.mktemp("prometheus")
        try:
            handle = start_prometheus(
                workdir, targets, scrape_interval, job, rule_files, alertmanagers
            )
        except RuntimeError as e:
            pytest.fail(str(e), pytrace=False)
        started.append(handle)
        return handle

    try:
        yield start
    finally:
        for handle in started:
            handle.stop()


class RestartableBroker:
    """A broker of its own (not the session's) that a test may stop and start again with
    the same data directory and port: `.bootstrap`, `.stop()`, `.start()`. Each call keeps
    how long it took (`.stop_seconds`, `.start_seconds`), so a test can tell the outage it
    made from the one it meant to make."""

    # A broker still shutting down this long after SIGTERM is killed: the outage a test
    # makes stays short however slowly the JVM exits (left alone, `kafka.sh stop` waits 30 s).
    STOP_TIMEOUT_S = 5

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        self.stop_seconds = 0.0
        self.start_seconds = 0.0

    def start(self) -> None:
        began = time.monotonic()
        res = subprocess.run(
            ["bash", str(KAFKA_SH), "start", str(self.data_dir), str(self.port)],
            capture_output=True,
            text=True,
            timeout=KAFKA_START_TIMEOUT_S,
        )
        self.start_seconds = time.monotonic() - began
        if res.returncode != 0:
            pytest.fail(f"broker did not start: {res.stderr[-3000:]}", pytrace=False)

    def stop(self) -> None:
        began = time.monotonic()
        subprocess.run(
            ["bash", str(KAFKA_SH), "stop", str(self.data_dir)],
            capture_output=True,
            timeout=120,
            env={**os.environ, "KAFKA_STOP_TIMEOUT_S": str(self.STOP_TIMEOUT_S)},
        )
        self.stop_seconds = time.monotonic() - began


@pytest.fixture
def restartable_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableBroker]:
    """A real broker the test may stop and restart (same data dir and port); stopped at
    the end."""
    _require("java", "kcat")
    broker = RestartableBroker(tmp_path_factory.mktemp("kafka-own"), free_port_pair())
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
