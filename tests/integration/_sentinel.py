"""`sentinel run` as a real subprocess for integration tests: start, wait for /readyz,
scrape /metrics, stop (SIGTERM) or crash (SIGKILL)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests
from _procs import LOOPBACK, GiveUp, Proc, wait_until
from prometheus_client.parser import text_string_to_metric_families

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = REPO_ROOT / "sentinel" / "rules" / "defaults"
# The console script installed next to the interpreter that runs the tests (the venv's).
SENTINEL_BIN = Path(sys.executable).parent / "sentinel"

Sample = tuple[str, dict[str, str], float]  # name, labels, value


def parse_metrics(text: str) -> list[Sample]:
    """Every sample of a Prometheus text exposition."""
    return [
        (s.name, dict(s.labels), float(s.value))
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def total(samples: list[Sample], name: str, **labels: str) -> float:
    """Sum of the samples called `name` whose labels include `labels`."""
    return sum(
        value
        for sample_name, sample_labels, value in samples
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items())
    )


def by_label(samples: list[Sample], name: str, label: str) -> dict[str, float]:
    """Samples called `name` summed by one label (zero sums left out)."""
    sums: dict[str, float] = {}
    for sample_name, sample_labels, value in samples:
        if sample_name == name:
            key = sample_labels.get(label, "")
            sums[key] = sums.get(key, 0.0) + value
    return {k: v for k, v in sums.items() if v}


class SentinelProc:
    """A started `sentinel run`: `.url`, `.metrics()`, `.wait_metrics()`, `.stop()`."""

    def __init__(self, proc: Proc) -> None:
        self.proc = proc
        self.port = 0
        self.url = ""

    @property
    def returncode(self) -> int | None:
        return self.proc.popen.poll()

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (other lines, e.g. click errors, skipped)."""
        lines = []
        for line in self.proc.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    continue
        return lines

    def _discover_port(self, timeout_s: float) -> None:
        def probe() -> int | None:
            for line in self.log_lines():
                if line.get("event") == "started":
                    return int(line["http_port"])
            if not self.proc.alive():
                raise GiveUp(f"exited with code {self.returncode}")
            return None

        self.port = self._wait(probe, timeout_s, "the `started` log line")
        self.url = f"http://{LOOPBACK}:{self.port}"

    def _wait(self, probe: Callable[[], Any], timeout_s: float, what: str) -> Any:
        try:
            return wait_until(probe, timeout_s, what, interval_s=0.1)
        except (TimeoutError, GiveUp) as e:
            raise AssertionError(f"sentinel: {e}\nlog:\n{self.proc.log_tail(30)}") from None

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=5)

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        def probe() -> bool:
            if not self.proc.alive():
                raise GiveUp(f"exited with code {self.returncode}")
            return self.get("/readyz").status_code == 200

        self._wait(probe, timeout_s, "/readyz to return 200")

    def metrics(self) -> list[Sample]:
        resp = self.get("/metrics")
        resp.raise_for_status()
        return parse_metrics(resp.text)

    def wait_metrics(
        self, predicate: Callable[[list[Sample]], bool], timeout_s: float, what: str
    ) -> list[Sample]:
        """Scrape until `predicate(samples)` holds; returns those samples."""
        last: list[list[Sample]] = [[]]

        def probe() -> tuple[list[Sample]] | None:
            if not self.proc.alive():
                raise GiveUp(f"exited with code {self.returncode}")
            last[0] = self.metrics()
            return (last[0],) if predicate(last[0]) else None

        try:
            return wait_until(probe, timeout_s, what, interval_s=0.1)[0]
        except (TimeoutError, GiveUp) as e:
            interesting = [
                s
                for s in last[0]
                if s[0].startswith("sentinel_") and not s[0].endswith("_created") and s[2]
            ]
            raise AssertionError(
                f"sentinel: {e}\nlast non-zero samples: {interesting}\n"
                f"log:\n{self.proc.log_tail(30)}"
            ) from None

    def kill(self) -> None:
        """SIGKILL: a crash, nothing flushed or committed on the way out."""
        self.proc.popen.send_signal(signal.SIGKILL)
        self.proc.popen.wait(10)

    def terminate(self, timeout_s: float) -> int:
        """SIGTERM; returns the exit code, or fails if it did not exit in `timeout_s`."""
        self.proc.popen.send_signal(signal.SIGTERM)
        try:
            return self.proc.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"sentinel did not exit within {timeout_s}s of SIGTERM\n"
                f"log:\n{self.proc.log_tail(30)}"
            ) from None

    def stop(self) -> None:
        self.proc.stop()


def start_sentinel(
    workdir: Path,
    bootstrap: str,
    topic: str,
    group_id: str,
    dead_letter_topic: str,
    verdict_topic: str,
    extra_args: Sequence[str] = (),
    name: str = "sentinel",
    wait_ready: bool = True,
) -> SentinelProc:
    """Start `sentinel run` on an ephemeral HTTP port (read back from its `started` log
    line) and, unless told otherwise, wait until /readyz returns 200."""
    if not SENTINEL_BIN.exists():
        raise AssertionError(f"{SENTINEL_BIN} not found: install the package into the venv")
    cmd = [
        SENTINEL_BIN,
        "run",
        "--bootstrap-servers",
        bootstrap,
        "--topic",
        topic,
        "--group-id",
        group_id,
        "--dead-letter-topic",
        dead_letter_topic,
        "--verdict-topic",
        verdict_topic,
        "--http-host",
        LOOPBACK,
        "--http-port",
        "0",
        "--rules",
        str(RULES_DIR),
        "--log-json",
        *extra_args,
    ]
    log_path = workdir / f"{name}.log"
    n = 1
    while log_path.exists():  # restarts keep the earlier logs
        n += 1
        log_path = workdir / f"{name}-{n}.log"
    sentinel = SentinelProc(Proc(name, cmd, log_path, cwd=REPO_ROOT))
    try:
        sentinel._discover_port(30.0)
        if wait_ready:
            sentinel.wait_ready()
    except BaseException:
        sentinel.stop()
        raise
    return sentinel
