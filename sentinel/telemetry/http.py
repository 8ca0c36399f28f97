"""HTTP endpoints: /metrics (a registry, nothing else), /healthz, /readyz, and optional
extra JSON routes (the rollback gates)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from sentinel.health import Health

# (path, query) -> (status, JSON body), or None when the path is not handled.
JsonRoute = Callable[[str, dict[str, list[str]]], tuple[int, Any] | None]
_MAX_BODY_BYTES = 1 << 20  # request bodies are read and discarded; bound them


def start_http_server(
    registry: CollectorRegistry,
    health: Health,
    host: str,
    port: int,
    routes: JsonRoute | None = None,
) -> ThreadingHTTPServer:
    """Serve in a daemon thread; returns the server (`.server_address`, `.shutdown()`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's naming
            parts = urlsplit(self.path)
            path = parts.path
            if path == "/metrics":
                encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                self._send(200, content_type, encoder(registry))
            elif path in ("/healthz", "/readyz"):
                ok, detail = health.healthy() if path == "/healthz" else health.ready()
                body = json.dumps({"ok": ok, **detail}).encode()
                self._send(200 if ok else 503, "application/json", body)
            elif not self._route(path, parts.query):
                self._send(404, "text/plain", b"not found\n")

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), _MAX_BODY_BYTES)
            self.rfile.read(length)  # Flagger posts a JSON body we do not need
            parts = urlsplit(self.path)
            if not self._route(parts.path, parts.query):
                self._send(404, "text/plain", b"not found\n")

        def _route(self, path: str, query: str) -> bool:
            answer = routes(path, parse_qs(query)) if routes is not None else None
            if answer is None:
                return False
            status, body = answer
            self._send(status, "application/json", json.dumps(body).encode())
            return True

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # scrapes every few seconds are not worth a log line

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="sentinel-http", daemon=True).start()
    return server
