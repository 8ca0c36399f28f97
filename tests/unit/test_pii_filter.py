"""The pii filter on exchanges: leaks, actions per field, spans for redaction, budget, cache."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sentinel.events.exchange import Exchange
from sentinel.events.model import ContextChunk, Event, Message, Output, ToolCall
from sentinel.filters.base import Scan
from sentinel.filters.chain import FilterChain
from sentinel.filters.pii.config import PiiRules
from sentinel.filters.pii.engine import build_engine
from sentinel.filters.pii.fast import FastAnalyzer
from sentinel.filters.pii.filter import PiiFilter
from sentinel.filters.redact import redact
from sentinel.filters.texts import exchange_fields
from sentinel.values import Finding


@pytest.fixture(scope="module")
def analyzer() -> FastAnalyzer:
    return FastAnalyzer(build_engine(PiiRules.model_validate(_header())))


def _header(**fields: Any) -> dict[str, Any]:
    return {"version": "sentinel/v1", "kind": "pii", **fields}


def make_filter(analyzer: FastAnalyzer, **fields: Any) -> PiiFilter:
    """A filter with these rules, sharing the module's analyzer (same default recognizers)."""
    return PiiFilter(PiiRules.model_validate(_header(**fields)), analyzer)


def exchange(
    user: str = "",
    output: str = "",
    context: tuple[str, ...] = (),
    tool_args: dict[str, Any] | None = None,
) -> Exchange:
    event = Event(
        schema_="sentinel.llm.v1",
        event_id="e1",
        type="exchange",
        request_id="r1",
        timestamp=datetime(2026, 11, 2, 9, tzinfo=UTC),
        messages=[Message("user", user)] if user else [],
        context=[ContextChunk(f"doc-{i}", text) for i, text in enumerate(context)],
        output=Output(
            content=output or None,
            tool_calls=[ToolCall("send_mail", tool_args)] if tool_args else [],
        ),
    )
    return Exchange("complete", event, event)


def check(
    pii: PiiFilter, x: Exchange, clock: Callable[[], float] = lambda: 0.0, deadline: float = 60
) -> tuple[list[Finding], Scan]:
    fields, skipped = exchange_fields(x, 1 << 20)
    scan = Scan(fields, deadline, skipped, clock=clock)
    return pii.check(x, scan), scan


LEAKS = [
    (
        "a phone number the user wrote in another format is not a leak",
        "call me at (212) 555-0188",
        "I will call +1 212-555-0188.",
        False,
    ),
    (
        "an email the user wrote in other letter case is not a leak",
        "I am Jane.Doe@Example.com",
        "Noted: jane.doe@example.com",
        False,
    ),
    (
        "a card number the user wrote with spaces is not a leak",
        "card 4111 1111 1111 1111",
        "Charged 4111-1111-1111-1111.",
        False,
    ),
    (
        "an IBAN the user wrote in lower case is not a leak",
        "pay gb82 west 1234 5698 7654 32",
        "Sent to GB82WEST12345698765432.",
        False,
    ),
    (
        "someone else's phone number is a leak",
        "what is Bob's number?",
        "Bob's phone is (415) 555-0134.",
        True,
    ),
    (
        "an email the user did not give is a leak",
        "who runs billing?",
        "Write to billing.lead@example.com",
        True,
    ),
]


@pytest.mark.parametrize(
    ("user", "output", "leak"), [c[1:] for c in LEAKS], ids=[c[0] for c in LEAKS]
)
def test_a_leak_is_pii_the_user_did_not_supply(
    analyzer: FastAnalyzer, user: str, output: str, leak: bool
) -> None:
    """Output PII is compared with the user's own messages after normalisation."""
    findings, _ = check(make_filter(analyzer), exchange(user=user, output=output))
    [found] = [f for f in findings if f.field == "output"]
    assert found.leak is leak
    assert found.action == ("block" if leak else "redact")
    assert found.severity == "high" if leak else found.severity in {"medium", "high"}


def test_pii_in_tool_call_arguments_can_leak(analyzer: FastAnalyzer) -> None:
    """Arguments are scanned as JSON text; an address the user never gave is a leak."""
    x = exchange(user="mail the report to my boss", tool_args={"to": "boss.name@example.org"})
    findings, _ = check(make_filter(analyzer), x)
    [found] = findings
    assert (found.field, found.field_kind, found.category) == (
        "tool_call[0]:send_mail",
        "tool_call",
        "EMAIL_ADDRESS",
    )
    assert found.leak and found.action == "block"


def test_findings_carry_spans_that_redact_the_output(analyzer: FastAnalyzer) -> None:
    """Spans index the field's text; `redact` replaces them with the entity type."""
    output = "Reach Ann at ann.lee@example.com or (212) 555-0188."
    findings, _ = check(make_filter(analyzer), exchange(user="hi", output=output))
    assert redact(output, findings) == "Reach Ann at <EMAIL_ADDRESS> or <PHONE_NUMBER>."
    assert all("ann.lee" not in repr(f) and "555" not in repr(f) for f in findings)


def test_the_chain_blocks_a_leak(analyzer: FastAnalyzer) -> None:
    """A leak's action (block) is the verdict's action."""
    verdict = FilterChain([make_filter(analyzer)]).run(
        exchange(user="who is on call?", output="Call Sam on +44 20 7946 0958.")
    )
    assert verdict.action == "block"
    assert [(f.category, f.leak) for f in verdict.findings] == [("PHONE_NUMBER", True)]


def test_each_field_kind_has_its_entities_and_action(analyzer: FastAnalyzer) -> None:
    """A field rule narrows the entities and sets the action; a disabled one is skipped."""
    pii = make_filter(
        analyzer,
        fields={
            "user": {"entities": ["EMAIL_ADDRESS"], "action": "escalate"},
            "context": {"enabled": False},
        },
    )
    x = exchange(
        user="me@example.com or (212) 555-0188",
        context=("Doc owner: owner@example.com",),
    )
    findings, _ = check(pii, x)
    assert [(f.field, f.category, f.action) for f in findings] == [
        ("user[0]", "EMAIL_ADDRESS", "escalate")
    ]


def test_allowed_values_are_never_reported(analyzer: FastAnalyzer) -> None:
    """The allow list is compared after normalisation (case here)."""
    pii = make_filter(analyzer, allow=["Support@Example.com"])
    findings, _ = check(pii, exchange(user="help", output="Mail support@example.com"))
    assert findings == []


def test_a_disabled_filter_finds_nothing(analyzer: FastAnalyzer) -> None:
    """`enabled: false` turns the whole filter off."""
    findings, _ = check(make_filter(analyzer, enabled=False), exchange(user="me@example.com"))
    assert findings == []


def test_an_expired_budget_marks_the_scan_partial(analyzer: FastAnalyzer) -> None:
    """With no time left, no field is scanned and the verdict says why."""
    x = exchange(user="me@example.com", output="you@example.com")
    findings, scan = check(make_filter(analyzer), x, clock=lambda: 5.0, deadline=1.0)
    assert findings == []
    assert scan.partial == {"pii": "time_budget"}


@pytest.mark.interpreted_only
def test_a_budget_running_out_midway_stops_between_fields(
    analyzer: FastAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fields scanned before the deadline keep their findings; the rest are reported skipped."""
    now = [0.0]
    original = analyzer.analyze

    def slow(text: str, *args: Any, **kwargs: Any) -> Any:
        result = original(text, *args, **kwargs)
        now[0] = 9.0  # the first field used up the budget
        return result

    monkeypatch.setattr(analyzer, "analyze", slow)
    x = exchange(user="me@example.com", output="Reach you@example.com")
    findings, scan = check(make_filter(analyzer), x, clock=lambda: now[0], deadline=1.0)
    assert [f.field for f in findings] == ["output"]
    assert scan.partial == {"pii": "time_budget"}


@pytest.mark.interpreted_only
def test_a_repeated_context_chunk_is_scanned_once(
    analyzer: FastAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Identical retrieved documents hit the content-hash cache; findings are the same."""
    pii = make_filter(analyzer)
    calls: list[str] = []
    original = analyzer.analyze

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(analyzer, "analyze", counting)
    doc = "Contact the author at author@example.com for the data set."
    first, _ = check(pii, exchange(context=(doc,)))
    second, _ = check(pii, exchange(context=(doc, doc)))
    assert calls == [doc]
    assert pii.cache_hits == 2
    assert len(first) == 1
    assert [(f.start, f.end) for f in second] == [(f.start, f.end) for f in first] * 2


def test_the_context_cache_is_bounded(analyzer: FastAnalyzer) -> None:
    """The least recently used chunk is evicted beyond `context_cache_entries`."""
    pii = make_filter(analyzer, context_cache_entries=2)
    for doc in ("a a@example.com", "b b@example.com", "c c@example.com", "a a@example.com"):
        check(pii, exchange(context=(doc,)))
    assert pii.cache_hits == 0
    check(pii, exchange(context=("a a@example.com",)))
    assert pii.cache_hits == 1
