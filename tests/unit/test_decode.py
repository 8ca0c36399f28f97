"""Decoding: every input is an event or a dead letter with a machine-readable reason."""

from __future__ import annotations

import json

import pytest

from sentinel.events.decode import REASONS, EventDecoder, Invalid
from sentinel.events.model import Event
from tests.unit.conftest import event, raw

VALID = event("exchange", model="gpt-4.1", usage={"input_tokens": 10, "output_tokens": 2})


def with_(**changes: object) -> bytes:
    document = {**VALID, **changes}
    return json.dumps({k: v for k, v in document.items() if v is not None}).encode()


CASES = [
    ("truncated JSON is bad_json", b'{"schema": "sentinel.llm.v1", "event_', "bad_json"),
    ("non-UTF-8 bytes are bad_json", b"\xff\xfe\x00", "bad_json"),
    ("a JSON array is not_an_object", b"[1, 2]", "not_an_object"),
    ("a number followed by text is bad_json", b"2026 level=info msg=hi", "bad_json"),
    ("a missing schema is unknown_schema", with_(schema=None), "unknown_schema"),
    ("schema v2 is unknown_schema", with_(schema="sentinel.llm.v2"), "unknown_schema"),
    ("a missing request_id is missing_field", with_(request_id=None), "missing_field"),
    ("an empty event_id is invalid_field", with_(event_id=""), "invalid_field"),
    ("string tokens are invalid_field", with_(usage={"input_tokens": "12"}), "invalid_field"),
    ("negative tokens are invalid_field", with_(usage={"input_tokens": -1}), "invalid_field"),
    ("a naive timestamp is invalid_field", with_(timestamp="2026-11-02T09:00:00"), "invalid_field"),
    ("an unknown type is invalid_field", with_(type="reply"), "invalid_field"),
    ("a bad status is invalid_field", with_(status="maybe"), "invalid_field"),
]


@pytest.mark.parametrize(("raw_bytes", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_becomes_a_dead_letter_with_its_reason(raw_bytes: bytes, reason: str) -> None:
    """Each kind of malformed input maps to its own reason code."""
    result = EventDecoder(1 << 20).decode(raw_bytes)
    assert isinstance(result, Invalid)
    assert result.reason == reason
    assert result.reason in REASONS
    assert result.size_bytes == len(raw_bytes)


def test_a_valid_event_decodes_with_its_fields() -> None:
    """A valid exchange keeps model, usage and timestamp."""
    result = EventDecoder(1 << 20).decode(raw(VALID))
    assert isinstance(result, Event)
    assert result.model == "gpt-4.1"
    assert result.usage is not None and result.usage.input_tokens == 10
    assert result.event_time == 1793610000.0


def test_an_oversized_event_is_a_dead_letter_without_parsing() -> None:
    """Events over the byte limit are reported as oversized with their size."""
    big = raw({**VALID, "messages": [{"role": "user", "content": "x" * 5000}]})
    result = EventDecoder(4096).decode(big)
    assert isinstance(result, Invalid) and result.reason == "oversized"
    assert "4096" in result.detail


def test_dead_letter_details_never_quote_values() -> None:
    """A reason detail names the field path, not the user's value."""
    secret = "alice@example.com"
    for bad in (with_(type=secret), with_(status=secret), with_(usage={"input_tokens": secret})):
        result = EventDecoder(1 << 20).decode(bad)
        assert isinstance(result, Invalid)
        assert secret not in result.detail
        assert "$." in result.detail


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    """A producer on a newer minor version can add fields without breaking us."""
    result = EventDecoder(1 << 20).decode(with_(future_field={"a": 1}))
    assert isinstance(result, Event)


# every optional field of every struct, sent as JSON null
NULLS = {
    "service": None,
    "endpoint": None,
    "feature": None,
    "session_id": None,
    "user_id": None,
    "model": None,
    "provider": None,
    "variant": None,
    "route": None,
    "messages": None,
    "context": None,
    "tools": None,
    "output": None,
    "usage": None,
    "latency_ms": None,
    "ttft_ms": None,
    "status": None,
    "error": None,
    "retries": None,
    "feedback": None,
    "metadata": None,
}
NESTED_NULLS = {
    "messages": [{"role": "user", "content": None, "name": None}],
    "context": [{"id": "doc-1", "text": None, "source": None}],
    "tools": [{"name": "lookup", "parameters": None, "description": None}],
    "output": {"content": None, "tool_calls": None, "finish_reason": None},
    "usage": {
        "input_tokens": None,
        "output_tokens": None,
        "cached_input_tokens": None,
        "cache_write_tokens": None,
        "reasoning_tokens": None,
    },
    "error": {"type": "timeout", "message": None},
    "feedback": {"rating": None, "escalated": None, "complaint": None},
}


def _without_nulls(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("nulls", [NULLS, NESTED_NULLS], ids=["top level", "nested"])
def test_null_means_absent_for_every_optional_field(nulls: dict[str, object]) -> None:
    """An event with `null` in every optional field equals the one without those fields."""
    document = {**event("exchange", "r-null", event_id="e-null"), **nulls}
    decoded = EventDecoder(1 << 20).decode(json.dumps(document).encode())
    assert isinstance(decoded, Event), decoded
    expected = EventDecoder(1 << 20).decode(json.dumps(_without_nulls(document)).encode())
    assert decoded == expected
    assert decoded.messages is not None and decoded.metadata == {} and decoded.status == "ok"


@pytest.mark.parametrize(
    ("complaint", "counted"),
    [(True, True), (False, False), (None, False), ("The answer was rude", True), ("  ", False)],
    ids=["true", "false", "null", "text counts as a complaint", "blank text is no complaint"],
)
def test_feedback_complaint_accepts_a_boolean_or_text(complaint: object, counted: bool) -> None:
    """`complaint` is a boolean or the user's text; text becomes True and is not kept."""
    document = event("feedback", "r-fb", feedback={"rating": 1, "complaint": complaint})
    decoded = EventDecoder(1 << 20).decode(json.dumps(document).encode())
    assert isinstance(decoded, Event) and decoded.feedback is not None
    assert decoded.feedback.complaint is counted
    assert "rude" not in repr(decoded)


def test_a_complaint_of_another_type_is_an_invalid_field() -> None:
    """A number is neither a flag nor text: a dead letter naming the field, not the value."""
    result = EventDecoder(1 << 20).decode(with_(type="feedback", feedback={"complaint": 42}))
    assert isinstance(result, Invalid) and result.reason == "invalid_field"
    assert "$.feedback.complaint" in result.detail and "42" not in result.detail


def test_the_documented_examples_are_valid_events() -> None:
    """Every JSON example in docs/events.md decodes, one of each event type."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "events.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    decoded = [EventDecoder(1 << 20).decode(" ".join(b.split("\n")).encode()) for b in blocks]
    assert all(isinstance(e, Event) for e in decoded), decoded
    assert {e.type for e in decoded if isinstance(e, Event)} == {
        "request",
        "response",
        "exchange",
        "feedback",
    }
