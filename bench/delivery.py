"""Outbound delivery: sequential JSON POSTs to a loopback HTTP/1.1 receiver, in one run.

Baseline: the transport sentinel had before `sentinel.delivery` (stdlib `urllib`, a new
connection per request). New: `sentinel.delivery.HttpTransport` (one pooled httpx client,
connections kept alive). Each posts the same ~1 KB Alertmanager batch `--requests` times;
wall time per request, median of `--repeats` runs, ratio to the baseline.
Run: `.venv/bin/python -m bench.delivery [--requests 500] [--repeats 5]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sentinel.delivery import HttpTransport

Post = Callable[[str, bytes, Mapping[str, str], float], None]


def urllib_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> None:
    """The former transport's request path (errors aside): one connection per request."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "sentinel", **headers},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Alertmanager and most receivers

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _body() -> bytes:
    alert = {
        "labels": {"alertname": "SloBurnRate", "severity": "page", "slo": "latency"},
        "annotations": {"summary": "burning", "runbook_url": "https://runbooks.example/x"},
        "startsAt": "2026-11-02T09:00:00.000Z",
        "endsAt": "2026-11-02T09:03:00.000Z",
        "generatorURL": "https://grafana.example/d/sentinel",
    }
    return json.dumps([alert] * 4).encode()


def _run(post: Post, url: str, body: bytes, requests: int) -> float:
    start = time.perf_counter()
    for _ in range(requests):
        post(url, body, {}, 5.0)
    return (time.perf_counter() - start) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/v2/alerts"
    body = _body()
    httpx_post = HttpTransport()
    timings: dict[str, list[float]] = {"urllib (before)": [], "httpx pooled (now)": []}
    try:
        for _ in range(args.repeats):  # interleaved, so load from elsewhere hits both alike
            timings["urllib (before)"].append(_run(urllib_post, url, body, args.requests))
            timings["httpx pooled (now)"].append(_run(httpx_post, url, body, args.requests))
    finally:
        httpx_post.close()
        server.shutdown()
        server.server_close()
    baseline = statistics.median(timings["urllib (before)"])
    print(f"{args.requests} POSTs of {len(body)} bytes, median of {args.repeats} runs")
    for name, runs in timings.items():
        median = statistics.median(runs)
        print(f"{name:20s} {median * 1e3:7.3f} ms/request  ratio {median / baseline:.2f}")


if __name__ == "__main__":
    main()
