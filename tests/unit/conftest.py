"""Helpers for unit tests: build valid v1 events as bytes."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from sentinel.build import core

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


# The unit tests run twice in CI: interpreted, then against the compiled core
# (scripts/test-compiled.sh). A compiled module calls the functions and methods of the
# core directly, so a test that patches one of them to watch or steer the code cannot
# work there; it is marked `interpreted_only` and runs in the interpreted pass.
COMPILED_CORE = core() == "compiled"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not COMPILED_CORE:
        return
    skip = pytest.mark.skip(reason="patches the core; covered by the interpreted run")
    for item in items:
        if "interpreted_only" in item.keywords:
            item.add_marker(skip)
