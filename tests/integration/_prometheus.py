"""A real Prometheus server (the `prometheus` binary) on loopback, for integration tests."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests
from _procs import LOOPBACK, GiveUp, Proc, free_port, wait_until

Result = list[dict[str, Any]]


class PrometheusHandle:
    """A started Prometheus: `.url`, `.query()`, `.wait_for()`."""

    def __init__(self, proc: Proc, url: str, config_path: Path) -> None:
        self.proc = proc
        self.url = url
        self.config_path = config_path

    def query(self, promql: str) -> Result:
        """Instant query (/api/v1/query); returns data.result, e.g.
        [{"metric": {"__name__": "up", "job": "x", ...}, "value": [ts, "1"]}]."""
        resp = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=10)
        body = resp.json()
        if resp.status_code != 200 or body.get("status") != "success":
            raise RuntimeError(f"query {promql!r} failed: {resp.status_code} {body}")
        return list(body["data"]["result"])

    def wait_for(
        self,
        promql: str,
        predicate: Callable[[Result], bool] = bool,
        timeout_s: float = 30.0,
    ) -> Result:
        """Poll `promql` until `predicate(result)` holds; returns that result.

        Raises AssertionError with the last result and the server's log on timeout.
        """
        last: list[Result] = [[]]

        # returns a 1-tuple, truthy even when the predicate accepts an empty result
        def probe() -> tuple[Result] | None:
            try:
                last[0] = self.query(promql)
            except RuntimeError as e:  # the API rejected the query: no use retrying
                raise GiveUp(str(e)) from None
            return (last[0],) if predicate(last[0]) else None

        try:
            found = wait_until(probe, timeout_s, f"{promql!r} to satisfy the predicate", 0.25)
        except (TimeoutError, GiveUp) as e:
            raise AssertionError(
                f"{e}\nlast result: {last[0]}\nprometheus log:\n{self.proc.log_tail(20)}"
            ) from None
        return found[0]

    def stop(self) -> None:
        self.proc.stop()


def start_prometheus(
    workdir: Path,
    targets: Sequence[str],
    scrape_interval: str = "1s",
    job: str = "sentinel",
    rule_files: Sequence[Path | str] = (),
    alertmanagers: Sequence[str] = (),
    ready_timeout_s: float = 30.0,
) -> PrometheusHandle:
    """Start `prometheus` scraping `targets` ("host:port") as job `job`, plus
    itself as job "prometheus". Raises RuntimeError if it does not become ready."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError("`prometheus` not on PATH: run scripts/install-system-deps.sh")
    port = free_port()
    address = f"{LOOPBACK}:{port}"
    config: dict[str, Any] = {
        "global": {
            "scrape_interval": scrape_interval,
            # must be <= scrape_interval (the default, 10s, is not with 1s scrapes)
            "scrape_timeout": scrape_interval,
            "evaluation_interval": scrape_interval,
        },
        "scrape_configs": [
            {"job_name": "prometheus", "static_configs": [{"targets": [address]}]},
        ],
    }
    if targets:
        config["scrape_configs"].append(
            {"job_name": job, "static_configs": [{"targets": list(targets)}]}
        )
    if rule_files:
        config["rule_files"] = [str(Path(f).resolve()) for f in rule_files]
    if alertmanagers:
        config["alerting"] = {
            "alertmanagers": [{"static_configs": [{"targets": list(alertmanagers)}]}]
        }
    config_path = workdir / "prometheus.yml"
    config_path.write_text(json.dumps(config, indent=2))  # JSON is valid YAML

    proc = Proc(
        "prometheus",
        [
            binary,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address={address}",
        ],
        log_path=workdir / "prometheus.log",
        cwd=workdir,
    )
    url = f"http://{address}"

    def ready() -> bool:
        if not proc.alive():
            raise GiveUp(f"exited with code {proc.popen.returncode}")
        return requests.get(f"{url}/-/ready", timeout=2).status_code == 200

    try:
        wait_until(ready, ready_timeout_s, f"prometheus on {address} to be ready")
    except (TimeoutError, GiveUp) as e:
        proc.stop()
        raise RuntimeError(f"prometheus did not start: {e}\nlog:\n{proc.log_tail()}") from None
    return PrometheusHandle(proc, url, config_path)
