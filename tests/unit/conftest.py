"""Helpers for unit tests: build valid v1 events as bytes."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

_ids = itertools.count()


def event(
    type_: str = "exchange",
    request_id: str | None = None,
    ts: str = "2026-11-02T09:00:00Z",
    **fields: Any,
) -> dict[str, Any]:
    n = next(_ids)
    return {
        "schema": "sentinel.llm.v1",
        "event_id": fields.pop("event_id", f"evt-{n}"),
        "type": type_,
        "request_id": request_id or f"req-{n}",
        "timestamp": ts,
        **fields,
    }


def raw(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


@pytest.fixture
def make_event() -> Any:
    return event
