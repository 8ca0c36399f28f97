"""The span indexes answer exactly what the passes over every span they replace answered."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import RecognizerResult

from sentinel.filters.pii.overlaps import YIELDS_TO, resolve
from sentinel.filters.spans import Covers, SpanSet

# Small coordinates: many ties, touching and empty spans, spans inside spans.
_SPAN = st.tuples(st.integers(0, 30), st.integers(0, 12)).map(lambda t: (t[0], t[0] + t[1]))
_STEPS = st.lists(st.tuples(st.booleans(), _SPAN), max_size=80)


@settings(max_examples=400, deadline=None)
@given(initial=st.lists(_SPAN, max_size=20), steps=_STEPS)
def test_span_set_answers_as_the_list_of_spans(
    initial: list[tuple[int, int]], steps: list[tuple[bool, tuple[int, int]]]
) -> None:
    """Through any mix of adds and questions, `overlaps` equals any(s < end and start < e)."""
    spans = list(initial)
    index = SpanSet(initial)
    for add, (start, end) in steps:
        if add:
            spans.append((start, end))
            index.add(start, end)
        else:
            expected = any(s < end and start < e for s, e in spans)
            assert index.overlaps(start, end) == expected, (spans, start, end)
    for start in range(-1, 45):
        for end in range(start, start + 14):
            assert index.overlaps(start, end) == any(s < end and start < e for s, e in spans)


@settings(max_examples=300, deadline=None)
@given(spans=st.lists(_SPAN, max_size=40), queries=st.lists(_SPAN, max_size=40))
def test_covers_answers_as_the_list_of_spans(
    spans: list[tuple[int, int]], queries: list[tuple[int, int]]
) -> None:
    """`contains` equals any(s <= start and end <= e) for every query."""
    covers = Covers(spans)
    for start, end in queries:
        assert covers.contains(start, end) == any(s <= start and end <= e for s, e in spans)


_ENTITIES = ["PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "US_DRIVER_LICENSE", "EMAIL"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_ENTITIES), _SPAN), max_size=40))
def test_resolve_drops_what_the_pass_over_every_result_dropped(
    drawn: list[tuple[str, tuple[int, int]]],
) -> None:
    """The PII overlap rule keeps the same results, in order, as asking every other result."""
    results = [RecognizerResult(e, s, t, 0.5) for e, (s, t) in drawn]
    expected = [
        r
        for r in results
        if not any(
            o.entity_type in YIELDS_TO.get(r.entity_type, frozenset())
            and o.start <= r.start
            and r.end <= o.end
            for o in results
        )
    ]
    assert resolve(results) == expected
