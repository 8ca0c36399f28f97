"""Synthetic ~2 KB events for benchmarks (deterministic)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

WORDS = [
    "the",
    "model",
    "answered",
    "the",
    "question",
    "about",
    "shipping",
    "times",
    "and",
    "refund",
    "policy",
    "for",
    "orders",
    "placed",
    "last",
    "week",
    "while",
    "the",
    "customer",
    "waited",
    "on",
    "the",
    "line",
]
MODELS = ("gpt-4.1-mini", "gpt-4.1", "claude-sonnet-4-5", "llama-3.3-70b")


def _text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)


def events(n_exchanges: int, seed: int = 1, prompt_chars: int = 2000) -> list[bytes]:
    """Request + response pairs, about 2 KB each, in event-time order."""
    return list(iter_events(n_exchanges, seed, prompt_chars))


def iter_events(
    n_exchanges: int,
    seed: int = 1,
    prompt_chars: int = 2000,
    kinds: tuple[str, ...] = ("request", "response"),
) -> Iterator[bytes]:
    """The same events as `events`, generated lazily; `kinds` picks requests or responses."""
    rng = random.Random(seed)
    for i in range(n_exchanges):
        t = 1793610000 + i * 0.01
        base = {
            "schema": "sentinel.llm.v1",
            "request_id": f"req-{seed}-{i}",
            "service": rng.choice(("support-bot", "search", "code-helper")),
            "endpoint": "/v1/chat/completions",
            "feature": rng.choice(("answer", "triage")),
            "model": rng.choice(MODELS),
            "variant": "canary" if i % 7 == 0 else "baseline",
            "session_id": f"s{i // 10}",
            "user_id": f"u{i % 500}",
        }
        request = {
            **base,
            "event_id": f"q-{seed}-{i}",
            "type": "request",
            "timestamp": _ts(t),
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": _text(rng, prompt_chars)},
            ],
        }
        inp = rng.randint(200, 4000)
        response = {
            **base,
            "event_id": f"r-{seed}-{i}",
            "type": "response",
            "timestamp": _ts(t + 1.2),
            "output": {"content": _text(rng, 500), "finish_reason": "stop"},
            "usage": {
                "input_tokens": inp,
                "output_tokens": rng.randint(20, 600),
                "cached_input_tokens": inp // 2 if i % 3 == 0 else 0,
            },
            "latency_ms": rng.lognormvariate(7, 0.7),
            "ttft_ms": rng.uniform(80, 400),
            "status": "ok",
        }
        if "request" in kinds:
            yield json.dumps(request).encode()
        if "response" in kinds:
            yield json.dumps(response).encode()


def _ts(t: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")
