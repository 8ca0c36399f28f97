"""Bytes to `Event`, or a dead-letter reason that a machine can read.

Nothing raises out of `EventDecoder.decode`: every input becomes either an event or an
`Invalid` with a reason code from `REASONS` and a short detail that never quotes user content.

Nesting is bounded: a document deeper than `max_depth` (the event object is depth 1) is a
`too_deep` dead letter, whether the depth is in the envelope or inside a free-form field
(`metadata`, tool `parameters`, tool-call `arguments`), so no later step (JSON Schema
checks, encoders, filters) ever recurses without bound on user input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
    "too_deep",  # JSON nested deeper than the configured depth
    "decode_failed",  # the decoder itself failed (a bug, never a reason to stop)
)
# Deeper than any real event (the typed envelope is at most 5 levels; tool schemas rarely
# pass 10), far below the interpreter's recursion limit (1000).
DEFAULT_MAX_DEPTH = 64

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

    def __init__(self, max_event_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        if max_event_bytes <= 0:
            raise ValueError("max_event_bytes must be positive")
        if not 8 <= max_depth <= 512:
            raise ValueError("max_depth must be between 8 and 512")
        self.max_event_bytes = max_event_bytes
        self.max_depth = max_depth
        self._decoder = msgspec.json.Decoder(Event)

    def decode(self, raw: bytes) -> Event | Invalid:
        size = len(raw)
        if size > self.max_event_bytes:
            return Invalid("oversized", f"{size} bytes > limit {self.max_event_bytes}", size)
        try:
            event = self._decoder.decode(raw)
        except msgspec.ValidationError as exc:
            reason, detail = _classify(str(exc))
            if reason == "not_an_object" and not _is_json(raw):
                reason, detail = "bad_json", "malformed JSON"  # e.g. "123 trailing text"
            return Invalid(reason, detail, size)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return Invalid("bad_json", "malformed JSON", size)
        except RecursionError:
            return Invalid("too_deep", f"nested deeper than {self.max_depth}", size)
        except Exception as exc:  # a decoder bug must not stop the stream
            return Invalid("decode_failed", f"decoder raised {type(exc).__name__}", size)
        # At most as deep as it has openers: most events skip the walk below.
        if raw.count(b"{") + raw.count(b"[") > self.max_depth and too_deep(event, self.max_depth):
            return Invalid("too_deep", f"nested deeper than {self.max_depth}", size)
        return event


def too_deep(event: Event, max_depth: int) -> bool:
    """True when a free-form field nests beyond `max_depth` levels of the whole document
    (the event is level 1). The typed envelope has a fixed depth; only `metadata`, tool
    `parameters` and tool-call `arguments` hold arbitrary JSON."""
    roots: list[tuple[Any, int]] = [(event.metadata, 2)]
    roots += [(tool.parameters, 4) for tool in event.tools]  # event → tools → tool → .
    if event.output is not None:  # event → output → tool_calls → call → arguments
        roots += [(call.arguments, 5) for call in event.output.tool_calls]
    return _deeper_than(roots, max_depth)


def _deeper_than(roots: Iterable[tuple[Any, int]], max_depth: int) -> bool:
    """Iterative (no recursion on user input): any container below `max_depth`?"""
    stack = [(value, depth) for value, depth in roots if isinstance(value, (dict, list))]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def _is_json(raw: bytes) -> bool:
    try:
        msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return False  # (nested past the recursion limit; bytes that are not UTF-8)
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
