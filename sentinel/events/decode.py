"""Bytes to `Event`, or a dead-letter reason that a machine can read.

Nothing raises out of `EventDecoder.decode`: every input becomes either an event or an
`Invalid` with a reason code from `REASONS` and a short detail that never quotes user content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec

from sentinel.events.model import Event

# Reason codes written to the dead-letter topic's `sentinel.reason` header.
REASONS = (
    "oversized",  # larger than the per-event byte limit
    "bad_json",  # not parseable JSON (or not UTF-8)
    "not_an_object",  # JSON, but not an object
    "unknown_schema",  # `schema` missing or not a version we know
    "missing_field",  # a required field is absent
    "invalid_field",  # a field has the wrong type or value
)

# msgspec says e.g. "Expected `str`, got `int` - at `$.usage.input_tokens`"
_PATH = re.compile(r"at `(\$[^`]*)`")
_QUOTED = re.compile(r"'[^']*'")  # values msgspec quotes (enum values): user content


@dataclass(frozen=True, slots=True)
class Invalid:
    """An input that did not fit the contract."""

    reason: str
    detail: str
    size_bytes: int


class EventDecoder:
    """Decodes one raw message; holds the reusable msgspec decoder."""

    def __init__(self, max_event_bytes: int) -> None:
        if max_event_bytes <= 0:
            raise ValueError("max_event_bytes must be positive")
        self.max_event_bytes = max_event_bytes
        self._decoder = msgspec.json.Decoder(Event)

    def decode(self, raw: bytes) -> Event | Invalid:
        size = len(raw)
        if size > self.max_event_bytes:
            return Invalid("oversized", f"{size} bytes > limit {self.max_event_bytes}", size)
        try:
            return self._decoder.decode(raw)
        except msgspec.ValidationError as exc:
            reason, detail = _classify(str(exc))
            if reason == "not_an_object" and not _is_json(raw):
                reason, detail = "bad_json", "malformed JSON"  # e.g. "123 trailing text"
            return Invalid(reason, detail, size)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return Invalid("bad_json", "malformed JSON", size)


def _is_json(raw: bytes) -> bool:
    try:
        msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return False
    return True


def _classify(message: str) -> tuple[str, str]:
    """Turn msgspec's validation message into (reason, detail) without echoing values."""
    match = _PATH.search(message)
    path = match.group(1) if match else "$"
    if message.startswith("Expected `object`") and path == "$":
        return "not_an_object", "top-level JSON value is not an object"
    if message.startswith("Object missing required field"):
        field = message.split("`")[1]
        reason = "unknown_schema" if field == "schema" else "missing_field"
        return reason, f"missing required field `{field}` at {path}"
    if path == "$.schema":
        return "unknown_schema", "`schema` is not sentinel.llm.v1"
    # Keep msgspec's type/constraint text (no values) and the path.
    head = _QUOTED.sub("'…'", message.split(" - at ")[0])
    return "invalid_field", f"{head} at {path}"
