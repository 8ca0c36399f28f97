"""The filter chain: ordering, the explicit stop, failures, budgets, redaction."""

from __future__ import annotations

import msgspec
import pytest

from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from sentinel.filters.base import Filter, Scan
from sentinel.filters.chain import ChainSettings, FilterChain
from sentinel.filters.redact import redact
from sentinel.filters.texts import exchange_fields
from sentinel.values import Action, Finding
from tests.unit.conftest import event


def exchange(**fields: object) -> Exchange:
    e = msgspec.convert(event("exchange", **fields), Event)
    return Exchange("complete", e, e)


class Fixed(Filter):
    """Finds one thing with a given action in the output; records that it ran."""

    def __init__(self, name: str, action: Action, ran: list[str]) -> None:
        self.name = name  # type: ignore[misc]
        self.action = action
        self.ran = ran

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        self.ran.append(self.name)
        return [Finding(self.name, "x", "high", "output", "output", 0, 1, 1.0, "r", self.action)]


class Broken(Filter):
    name = "broken"

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        raise RuntimeError("bug")


EX = exchange(output={"content": "hello"}, messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["flag", "redact"], "redact"),
        (["escalate", "flag"], "escalate"),
        (["flag", "block"], "block"),
        ([], "allow"),
    ],
    ids=[
        "redact outranks flag",
        "escalate outranks flag",
        "block outranks all",
        "no filters allow",
    ],
)
def test_the_strongest_action_wins(actions: list[Action], expected: str) -> None:
    """The verdict's action is the strongest of its findings' actions."""
    ran: list[str] = []
    chain = FilterChain([Fixed(f"f{i}", a, ran) for i, a in enumerate(actions)])
    assert chain.run(EX).action == expected


def test_a_block_stops_the_chain() -> None:
    """With stop_on_block, filters after a blocking one do not run."""
    ran: list[str] = []
    chain = FilterChain([Fixed("a", "block", ran), Fixed("b", "flag", ran)])
    verdict = chain.run(EX)
    assert ran == ["a"] and verdict.action == "block" and len(verdict.findings) == 1


@pytest.mark.parametrize(
    ("on_error", "expected"),
    [("open", "flag"), ("closed", "block")],
    ids=["fail open keeps the others' action", "fail closed blocks"],
)
def test_a_failing_filter_is_reported_not_raised(on_error: str, expected: str) -> None:
    """A filter that raises is named in the verdict; on_error decides the action."""
    ran: list[str] = []
    chain = FilterChain([Broken(), Fixed("ok", "flag", ran)], ChainSettings(on_error=on_error))  # type: ignore[arg-type]
    verdict = chain.run(EX)
    assert verdict.failed_filters == ("broken",) and verdict.action == expected
    assert ran == ["ok"] and not verdict.complete


def test_fields_are_named_and_ordered_output_first() -> None:
    """Output, tool calls, user, system, then context; names locate each text."""
    ex = exchange(
        messages=[{"role": "system", "content": "be nice"}, {"role": "user", "content": "q"}],
        context=[{"id": "doc-3", "text": "chunk"}],
        output={"content": "a", "tool_calls": [{"name": "get", "arguments": {"x": 1}}]},
    )
    fields, skipped = exchange_fields(ex, 1 << 20)
    assert [(f.name, f.kind) for f in fields] == [
        ("output", "output"),
        ("tool_call[0]:get", "tool_call"),
        ("user[1]", "user"),
        ("system[0]", "system"),
        ("context:doc-3", "context"),
    ]
    assert fields[1].text == '{"x": 1}' and skipped == 0


def test_the_byte_budget_truncates_and_reports_what_was_skipped() -> None:
    """Beyond max_scan_bytes, texts are cut and the skipped size is reported."""
    ex = exchange(output={"content": "o" * 10}, context=[{"id": "d", "text": "c" * 100}])
    fields, skipped = exchange_fields(ex, 50)
    assert [len(f.text) for f in fields] == [10, 40] and skipped == 60
    verdict = FilterChain([Fixed("f", "flag", [])], ChainSettings(max_scan_bytes=1024)).run(
        exchange(context=[{"id": "d", "text": "c" * 5000}])
    )
    assert verdict.skipped_bytes == 5000 - 1024 and not verdict.complete


def test_an_expired_budget_is_visible_to_filters() -> None:
    """Scan.expired turns true after the time budget; mark_partial records the reason."""
    now = [0.0]
    scan = Scan([], deadline=1.0, clock=lambda: now[0])
    assert not scan.expired()
    now[0] = 2.0
    assert scan.expired()
    scan.mark_partial("pii", "time_budget")
    assert scan.partial == {"pii": "time_budget"}


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(6, 23, "EMAIL")], "write <EMAIL> now"),
        ([(6, 12, "A"), (10, 23, "B")], "write <A> now"),
        ([(0, 5, "V"), (24, 27, "N")], "<V> alice@example.com <N>"),
        ([(50, 60, "OUT")], "write alice@example.com now"),
    ],
    ids=["one span", "overlapping spans merge", "two spans", "out-of-range span ignored"],
)
def test_redaction_replaces_spans(spans: list[tuple[int, int, str]], expected: str) -> None:
    """Spans become <CATEGORY> placeholders; the rest of the text stays."""
    findings = [
        Finding("pii", c, "high", "output", "output", s, e, 1.0, "r", "redact") for s, e, c in spans
    ]
    assert redact("write alice@example.com now", findings) == expected
