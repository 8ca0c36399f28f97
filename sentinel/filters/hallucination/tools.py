"""Tool calls against the declared tools: unknown names, arguments that break the schema.

Schemas are compiled once (JSON Schema Draft 2020-12) and cached by the hash of their
canonical JSON in a bounded LRU: apps send the same few tool definitions with every
request. Validators are built with an empty reference registry, so a `$ref` to a remote
document is never fetched (it makes the schema unusable instead: no network I/O in checks).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sentinel.events.model import ToolCall, ToolSpec
from sentinel.filters.hallucination.lru import BoundedLRU

ToolCategory = Literal["undeclared_tool", "invalid_tool_arguments", "invalid_tool_schema"]


@dataclass(frozen=True, slots=True)
class ToolIssue:
    """A problem with call number `index`; `detail` is a JSON Schema keyword or a fixed word."""

    index: int
    name: str
    category: ToolCategory
    detail: str
    start: int = -1  # span in the arguments text (a JSON syntax error's position)
    end: int = -1


@dataclass(frozen=True, slots=True)
class _Compiled:
    validator: Any  # None when the schema itself is not valid 2020-12
    problem: str = ""


class SchemaCache:
    """Compiled validators by schema hash (bounded)."""

    def __init__(self, size: int) -> None:
        self.lru: BoundedLRU[bytes, _Compiled] = BoundedLRU(size)
        # Imported when a filter is built, not when rules load (~90 ms). jsonschema 4.26
        # ships no type information, so it is used as an untyped module.
        self.jsonschema: Any = importlib.import_module("jsonschema")
        referencing: Any = importlib.import_module("referencing")
        self.registry = referencing.Registry()  # empty, and it retrieves nothing
        self.unresolvable: type[Exception] = importlib.import_module(
            "referencing.exceptions"
        ).Unresolvable

    def get(self, schema: dict[str, Any]) -> _Compiled:
        canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"), default=str)
        key = hashlib.blake2b(canonical.encode(), digest_size=16).digest()
        return self.lru.get_or_compute(key, lambda: self._compile(schema))

    def _compile(self, schema: dict[str, Any]) -> _Compiled:
        cls = self.jsonschema.Draft202012Validator
        try:
            cls.check_schema(schema)
        except self.jsonschema.SchemaError as exc:
            return _Compiled(None, str(exc.validator))
        return _Compiled(cls(schema, registry=self.registry))

    def first_error(self, compiled: _Compiled, value: Any) -> str | None:
        """The most relevant failing keyword, or None when the value is valid."""
        error = self.jsonschema.exceptions.best_match(compiled.validator.iter_errors(value))
        return None if error is None else str(error.validator)


def parse_arguments(arguments: dict[str, Any] | str | None) -> tuple[Any, int]:
    """The arguments as JSON values, or (None, position) when a JSON string does not parse.

    Missing or blank arguments are an empty object (providers send "" for no arguments)."""
    if arguments is None:
        return {}, -1
    if not isinstance(arguments, str):
        return arguments, -1
    if not arguments.strip():
        return {}, -1
    try:
        return json.loads(arguments), -1
    except json.JSONDecodeError as exc:
        return None, exc.pos
    except RecursionError:  # absurdly deep nesting: unparseable for our purposes
        return None, 0


def check_calls(
    calls: Sequence[ToolCall],
    specs: Sequence[ToolSpec],
    cache: SchemaCache,
    check_without_declarations: bool,
) -> list[ToolIssue]:
    issues: list[ToolIssue] = []
    declared = {spec.name: spec for spec in specs}
    for i, call in enumerate(calls):
        spec = declared.get(call.name)
        if spec is None:
            if declared or check_without_declarations:
                issues.append(ToolIssue(i, call.name, "undeclared_tool", "undeclared"))
            continue
        value, error_at = parse_arguments(call.arguments)
        if error_at >= 0:
            size = len(call.arguments or "")
            start = min(error_at, max(0, size - 1))  # "unexpected end" points past the text
            issues.append(
                ToolIssue(i, call.name, "invalid_tool_arguments", "unparseable", start, start + 1)
            )
            continue
        if spec.parameters is None:
            continue
        issue = _validate(i, call.name, spec.parameters, value, cache)
        if issue is not None:
            issues.append(issue)
    return issues


def _validate(
    index: int, name: str, schema: dict[str, Any], value: Any, cache: SchemaCache
) -> ToolIssue | None:
    compiled = cache.get(schema)
    if compiled.validator is None:
        return ToolIssue(index, name, "invalid_tool_schema", compiled.problem or "schema")
    try:
        keyword = cache.first_error(compiled, value)
    except (cache.unresolvable, RecursionError):
        return ToolIssue(index, name, "invalid_tool_schema", "unresolvable_ref")
    if keyword is None:
        return None
    return ToolIssue(index, name, "invalid_tool_arguments", keyword)
