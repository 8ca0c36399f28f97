"""Tool calls must name declared tools and pass their JSON Schema (Draft 2020-12)."""

from __future__ import annotations

from typing import Any

import pytest

from sentinel.events.model import ToolCall, ToolSpec
from sentinel.filters.hallucination import HallucinationFilter
from sentinel.filters.hallucination.tools import SchemaCache, check_calls
from tests.unit.test_hallucination import check, make_exchange, rules

WEATHER = ToolSpec(
    "get_weather",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"enum": ["c", "f"]},
            "days": {"type": "integer", "minimum": 1},
        },
        "required": ["city"],
        "additionalProperties": False,
    },
)

VIOLATIONS = [
    ("a wrong type", {"city": 3}, "type"),
    ("a missing required property", {"unit": "c"}, "required"),
    ("a value outside the enum", {"city": "Oslo", "unit": "k"}, "enum"),
    ("an undeclared property", {"city": "Oslo", "wind": True}, "additionalProperties"),
    ("a number under the minimum", {"city": "Oslo", "days": 0}, "minimum"),
    ("a JSON string with a wrong type", '{"city": ["Oslo"]}', "type"),
    ("blank arguments when one is required", "  ", "required"),
]


@pytest.mark.parametrize(
    ("arguments", "keyword"), [v[1:] for v in VIOLATIONS], ids=[v[0] for v in VIOLATIONS]
)
def test_arguments_that_break_the_schema_are_flagged(arguments: Any, keyword: str) -> None:
    """One finding per call, naming the failing JSON Schema keyword in its rule id."""
    exchange = make_exchange(tools=[WEATHER], calls=[ToolCall("get_weather", arguments)])
    (finding,) = check(exchange)
    assert finding.category == "invalid_tool_arguments"
    assert finding.rule_id == f"tools.arguments:{keyword}"
    assert (finding.field, finding.field_kind) == ("tool_call[0]:get_weather", "tool_call")


VALID = [
    ("an object", {"city": "Oslo", "unit": "c", "days": 3}),
    ("a JSON string", '{"city": "Oslo", "days": 2}'),
]


@pytest.mark.parametrize("arguments", [v[1] for v in VALID], ids=[v[0] for v in VALID])
def test_valid_arguments_raise_nothing(arguments: Any) -> None:
    """Arguments given as an object or as a JSON string are validated alike."""
    exchange = make_exchange(tools=[WEATHER], calls=[ToolCall("get_weather", arguments)])
    assert check(exchange) == []


def test_unparseable_json_arguments_point_at_the_error() -> None:
    """A JSON string that does not parse is a finding whose span is the syntax error."""
    arguments = '{"city": "Oslo",}'
    exchange = make_exchange(tools=[WEATHER], calls=[ToolCall("get_weather", arguments)])
    (finding,) = check(exchange)
    assert finding.rule_id == "tools.arguments:unparseable"
    assert arguments[finding.start : finding.end] == "}"


def test_a_call_to_an_undeclared_tool_is_flagged() -> None:
    """A tool the request did not declare is `undeclared_tool`, severity high by default."""
    exchange = make_exchange(
        tools=[WEATHER],
        calls=[ToolCall("get_weather", {"city": "Oslo"}), ToolCall("get_wether", {})],
    )
    (finding,) = check(exchange)
    assert (finding.category, finding.field, finding.severity, finding.start) == (
        "undeclared_tool",
        "tool_call[1]:get_wether",
        "high",
        -1,
    )


def test_with_no_tools_declared_calls_are_judged_only_when_asked() -> None:
    """Producers may leave `tools` out; `check_without_declarations` judges calls anyway."""
    exchange = make_exchange(calls=[ToolCall("lookup", {})])
    assert check(exchange) == []
    found = check(exchange, tools={"check_without_declarations": True})
    assert [f.category for f in found] == ["undeclared_tool"]


def test_a_tool_without_a_schema_accepts_any_arguments() -> None:
    """No `parameters`, nothing to validate against."""
    exchange = make_exchange(tools=[ToolSpec("ping")], calls=[ToolCall("ping", {"x": 1})])
    assert check(exchange) == []


def test_an_invalid_schema_is_reported_and_its_calls_unchecked() -> None:
    """A schema that is not valid 2020-12 gives an info finding with action allow."""
    bad = ToolSpec("f", {"type": "object", "properties": {"a": {"type": "strnig"}}})
    (finding,) = check(make_exchange(tools=[bad], calls=[ToolCall("f", {"a": 1})]))
    assert (finding.category, finding.action, finding.severity) == (
        "invalid_tool_schema",
        "allow",
        "info",
    )


def test_a_remote_reference_is_never_fetched() -> None:
    """A `$ref` to another document makes the schema unusable instead of reaching out."""
    remote = ToolSpec("f", {"$ref": "https://schemas.example.invalid/f.json"})
    (finding,) = check(make_exchange(tools=[remote], calls=[ToolCall("f", {"a": 1})]))
    assert finding.rule_id == "tools.invalid_schema:unresolvable_ref"


def test_local_references_resolve() -> None:
    """`$ref` into the schema's own `$defs` works."""
    spec = ToolSpec(
        "f",
        {
            "$defs": {"city": {"type": "string"}},
            "type": "object",
            "properties": {"city": {"$ref": "#/$defs/city"}},
        },
    )
    assert check(make_exchange(tools=[spec], calls=[ToolCall("f", {"city": "Oslo"})])) == []
    (finding,) = check(make_exchange(tools=[spec], calls=[ToolCall("f", {"city": 1})]))
    assert finding.rule_id == "tools.arguments:type"


def test_a_schema_is_compiled_once_whatever_its_key_order() -> None:
    """The validator cache is keyed by the schema's canonical JSON hash."""
    f = HallucinationFilter.from_rules(rules())
    reordered = ToolSpec("get_weather", dict(reversed(list((WEATHER.parameters or {}).items()))))
    for spec in (WEATHER, WEATHER, reordered):
        check(make_exchange(tools=[spec], calls=[ToolCall("get_weather", {"city": "x"})]), f)
    assert (f.schemas.lru.misses, f.schemas.lru.hits, len(f.schemas.lru)) == (1, 2, 1)


def test_the_schema_cache_is_bounded() -> None:
    """Past `schema_cache_size` distinct schemas the oldest validator is dropped."""
    cache = SchemaCache(2)
    for n in range(4):
        spec = ToolSpec("f", {"type": "object", "maxProperties": n + 1})
        check_calls([ToolCall("f", {})], [spec], cache, False)
    assert len(cache.lru) == 2


def test_disabled_tool_checks_stay_quiet() -> None:
    """Each tool check can be turned off on its own."""
    exchange = make_exchange(tools=[WEATHER], calls=[ToolCall("nope", {})])
    assert check(exchange, tools={"undeclared": {"enabled": False}}) == []
