"""Citations in the output must name something the exchange's context holds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.events.model import ContextChunk
from sentinel.filters.hallucination.citations import ContextIndex, find_citations
from tests.unit.test_hallucination import check, make_exchange

CHUNKS = [
    ContextChunk("doc-1", "Refunds take 5 days.", "https://help.example.com/refunds"),
    ContextChunk("doc-2", "Shipping is free over 50 euros.", "handbook.pdf"),
    ContextChunk("doc-3", "See https://status.example.com/incidents/42 for outages."),
]

SUPPORTED = [
    ("a chunk id in brackets", "Refunds take 5 days [doc-1]."),
    ("an id with other case and separator", "Refunds take 5 days [DOC_1]."),
    ("a 1-based index", "Refunds take 5 days [1]."),
    ("a list of indexes", "Refunds take 5 days [1, 3]."),
    ("a range of indexes", "Refunds take 5 days [1-3]."),
    ("a footnote reference", "Refunds take 5 days[^2]."),
    ("a lenticular citation", "Refunds take 5 days【3†source】."),
    ("a citation glued to a word", "Refunds take 5 days[2]."),
    ("a source keyword with an id", "Refunds take 5 days (source: doc-2)."),
    ("a source keyword with a file name", "Refunds take 5 days (source: handbook.pdf)."),
    ("a source URL without its scheme", "Refunds (source: help.example.com/refunds/)."),
    ("a URL found in the context text", "Outages [https://status.example.com/incidents/42]."),
    ("a bare id", "As doc-2 says, shipping is free."),
    ("a bare ordinal document", "As Document 3 says, outages are listed."),
    (
        "a reference line to a source",
        "Refunds take 5 days [1].\n\n[1]: https://help.example.com/refunds",
    ),
]

UNSUPPORTED = [
    ("an id no chunk has", "Refunds take 5 days [doc-7].", "doc-7"),
    ("an index past the last chunk", "Refunds take 5 days [4].", "4"),
    ("a footnote past the last chunk", "Refunds take 5 days[^9].", "^9"),
    ("an index in a range past the end", "Refunds take 5 days [3-4].", "3-4"),
    ("a source keyword with an unknown id", "Refunds (source: kb-12).", "kb-12"),
    ("a source named but not given", "Refunds (source: Company Wiki).", "Company Wiki"),
    ("a source URL no chunk has", "Refunds (source: https://help.example.com/returns).", None),
    ("a bare id like the context's ids", "As doc-9 says, shipping is free.", "doc-9"),
    ("a bare document number past the end", "As Document 8 says, it is free.", "Document 8"),
    ("a reference line to an unknown URL", "Refunds [1].\n\n[1]: https://fake.example.org/x", None),
]

NOT_CITATIONS = [
    ("a year in brackets", "It started [2019] and ended."),
    ("an editorial mark", "They was [sic] late."),
    ("a markdown link text", "Read [the guide](https://help.example.com/refunds)."),
    ("code in a fence", "Use:\n```\nx = rows[7]\n```\n"),
    ("inline code", "Call `items[9]` to get it."),
    ("a zero index that only code uses", "Take data [0] first."),
    ("a figure reference", "As shown in [Figure 3], it works."),
    ("a defined footnote", "It works[^note].\n\n[^note]: Our own remark."),
]


@pytest.mark.parametrize("output", [c[1] for c in SUPPORTED], ids=[c[0] for c in SUPPORTED])
def test_a_citation_the_context_holds_is_supported(output: str) -> None:
    """Ids, indexes, footnotes, sources and URLs that match the context raise nothing."""
    assert check(make_exchange(output, context=CHUNKS)) == []


@pytest.mark.parametrize(
    ("output", "cited"), [c[1:] for c in UNSUPPORTED], ids=[c[0] for c in UNSUPPORTED]
)
def test_a_citation_the_context_lacks_is_flagged_at_its_span(
    output: str, cited: str | None
) -> None:
    """An unsupported citation is one finding whose span covers what was cited."""
    found = [
        f for f in check(make_exchange(output, context=CHUNKS)) if f.category.endswith("citation")
    ]
    assert len(found) >= 1
    assert found[0].category == "unsupported_citation"
    span = output[found[0].start : found[0].end]
    assert span == cited if cited else span.startswith("https://")


@pytest.mark.parametrize("output", [c[1] for c in NOT_CITATIONS], ids=[c[0] for c in NOT_CITATIONS])
def test_brackets_that_are_not_citations_are_ignored(output: str) -> None:
    """Years, editorial marks, links, code and figure numbers are not read as citations."""
    found = check(make_exchange(output, context=CHUNKS))
    assert [f for f in found if f.category == "unsupported_citation"] == []


def test_the_score_is_the_share_of_unsupported_citations() -> None:
    """One bad citation out of four scores 0.25."""
    (finding,) = check(make_exchange("A [1] B [2] C [3] D [9].", context=CHUNKS))
    assert finding.score == 0.25


def test_a_chunk_id_prefix_makes_an_id_strict() -> None:
    """When chunk ids are doc-N, `doc-2` must be an id; it cannot fall back to an index."""
    chunks = [ContextChunk("doc-1", "a"), ContextChunk("doc-3", "b"), ContextChunk("doc-5", "c")]
    found = check(make_exchange("It is so [doc-2], and [2].", context=chunks))
    assert [f.rule_id for f in found] == ["citations:id"]


def test_without_context_citations_are_skipped_unless_asked() -> None:
    """By default a plain chat answer's [1] is not judged; `check_without_context` judges it."""
    exchange = make_exchange("It is so [1].")
    assert check(exchange) == []
    found = check(exchange, citations={"check_without_context": True})
    assert [f.category for f in found] == ["unsupported_citation"]


def test_configured_prefixes_make_bare_ids_citations() -> None:
    """A team's own id word (`ticket`) can be declared in `id_prefixes`."""
    exchange = make_exchange("See ticket-77 for details.", context=CHUNKS)
    assert check(exchange) == []
    found = check(exchange, citations={"id_prefixes": ["ticket"]})
    assert [f.category for f in found] == ["unsupported_citation"]


_PIECES = st.sampled_from(
    [
        *(" ", "\n", "[", "]", "]:", "(", ")", "【", "】", "†", "^", ",", "-", ":", "#", "_"),
        *(".", "/", "1", "3", "42", "2019", "doc", "DOC", "Document", "source", "sources:"),
        *("see", "kb", "https://help.example.com/refunds", "www.example.org", "handbook.pdf"),
        *("İ", "K", "x", "[1]", "[doc-1]", "[1-3]", "[^2]", "【3†source】", "(source: doc-2)"),
        *("(see kb-12)", "(sources: a.pdf; https://x.example/a)", "\n[1]: https://a.example/b"),
        *(" doc-2 ", " Document 3 ", " source 2 ", " KB_12 "),
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join), st.booleans())
def test_screened_citation_search_equals_running_every_pattern(text: str, ids: bool) -> None:
    """Skipping a pattern whose literal characters are absent finds the same citations."""
    chunks = CHUNKS if ids else [ContextChunk("", "no id here")]
    index = ContextIndex(chunks, ["doc", "source", "document", "kb"] if ids else [])
    assert find_citations(text, index, [(0, 2)]) == find_citations(
        text, index, [(0, 2)], screen=False
    )
