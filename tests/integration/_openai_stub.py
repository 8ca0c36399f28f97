"""A small OpenAI-compatible server on loopback for tests: `POST /v1/chat/completions`,
plain JSON or a server-sent-event stream, with usage (cached and reasoning tokens included).

Token counts are a pure function of the request (so a test can predict them), and every
response served is recorded in `served` (so a test can compare with what the client saw).
A model named `rate-limited` gets HTTP 429, the shape of OpenAI's error body.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"
ERROR_MODEL = "rate-limited"


@dataclass(frozen=True)
class Served:
    """One completion the stub answered."""

    response_id: str
    model: str
    stream: bool
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    content: str
    status: int = 200


def usage_for(messages: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(prompt, cached, reasoning) tokens: deterministic in the request's text."""
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    prompt = 40 + chars  # a system overhead plus one token per character
    cached = (prompt // 64) * 32  # half of every full 64-token block came from the cache
    reasoning = 3 if chars % 2 else 0
    return prompt, cached, reasoning


def reply_for(messages: list[dict[str, Any]]) -> str:
    last = str(messages[-1].get("content") or "") if messages else ""
    return f"Here is a short answer about: {last[:40]}"


@dataclass
class OpenAIStub:
    """Start with `start()`; `base_url` is what `openai.OpenAI(base_url=...)` takes."""

    delay_seconds: float = 0.05  # server-side think time, so latency is measurable
    chunk_delay_seconds: float = 0.01  # between streamed chunks
    served: list[Served] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{LOOPBACK}:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found", "type": "invalid"}})
                    return
                stub._complete(self, body)

            def _send(self, status: int, document: dict[str, Any]) -> None:
                raw = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _next_id(self) -> str:
        with self._lock:
            self._count += 1
            return f"chatcmpl-stub{self._count:06d}"

    def _complete(self, handler: Any, body: dict[str, Any]) -> None:
        model = str(body.get("model") or "")
        messages = list(body.get("messages") or [])
        stream = bool(body.get("stream"))
        response_id = self._next_id()
        time.sleep(self.delay_seconds)
        if model == ERROR_MODEL:
            with self._lock:
                self.served.append(Served(response_id, model, stream, 0, 0, 0, 0, "", 429))
            handler._send(
                429,
                {
                    "error": {
                        "message": "Rate limit reached",
                        "type": "requests",
                        "code": "rate_limit_exceeded",
                    }
                },
            )
            return
        prompt, cached, reasoning = usage_for(messages)
        content = reply_for(messages)
        completion = len(content.split()) + reasoning
        served = Served(response_id, model, stream, prompt, completion, cached, reasoning, content)
        with self._lock:
            self.served.append(served)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0},
        }
        created = int(time.time())
        if not stream:
            handler._send(
                200,
                {
                    "id": response_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                    "system_fingerprint": "fp_stub",
                },
            )
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        base = {"id": response_id, "object": "chat.completion.chunk", "created": created}
        words = content.split(" ")
        chunks: list[dict[str, Any]] = []
        for i, word in enumerate(words):
            delta: dict[str, Any] = {"content": word if i == 0 else " " + word}
            if i == 0:
                delta["role"] = "assistant"
            chunks.append({"index": 0, "delta": delta, "finish_reason": None})
        chunks.append({"index": 0, "delta": {}, "finish_reason": "stop"})
        for choice in chunks:
            event = {**base, "model": model, "choices": [choice]}
            handler.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
            handler.wfile.flush()
            time.sleep(self.chunk_delay_seconds)
        if (body.get("stream_options") or {}).get("include_usage"):
            event = {**base, "model": model, "choices": [], "usage": usage}
            handler.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()
        handler.close_connection = True
