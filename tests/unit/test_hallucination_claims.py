"""Numbers, dates, URLs and names in a RAG answer must appear in its support texts."""

from __future__ import annotations

import pytest

from sentinel.events.model import ContextChunk
from sentinel.filters.hallucination.claims import extract_claims, url_key
from sentinel.filters.hallucination.numbers import parse_number
from tests.unit.test_hallucination import check, make_exchange

SAME_NUMBER = [
    ("thousands separators are ignored", "It sold 1,200 units.", "It sold 1200 units."),
    ("a percent sign equals the word", "Growth was 12%.", "Growth was 12 percent."),
    ("per cent in two words equals a sign", "Growth was 12 per cent.", "Growth was 12%."),
    ("trailing decimal zeros do not matter", "It costs 3.5 euros.", "It costs 3.50 euros."),
    ("a scale word multiplies", "It has 1.2 million users.", "It has 1,200,000 users."),
    ("a currency scale letter multiplies", "It raised $1.2M.", "It raised 1.2 million dollars."),
    ("a rounded figure matches the exact one", "About 1.2 million users.", "Users: 1,234,567."),
    ("a year matches a full date", "It opened in 1998.", "It opened on March 5, 1998."),
    ("an ISO date equals a written one", "Due 2024-03-05.", "Due 5 March 2024."),
    ("a US date equals a written one", "Due March 5, 2024.", "Due 03/05/2024."),
    ("a European date equals a written one", "Due 5th of March, 2024.", "Due 05.03.2024."),
    ("a month and year match a full date", "Released in March 2024.", "Released 2024-03-17."),
    ("a day and month match a full date", "Released on March 17.", "Released 2024-03-17."),
    ("numbers in a range are read one by one", "From 1990-1995.", "Between 1990 and 1995."),
]

DIFFERENT_NUMBER = [
    ("another value", "It sold 1,300 units.", "It sold 1,200 units.", "1,300"),
    ("another percentage", "Growth was 13%.", "Growth was 12 percent.", "13%"),
    (
        "more precision than the context",
        "It has 1,234,567 users.",
        "It has 1.2 million users.",
        "1,234,567",
    ),
    ("another day", "Due 6 March 2024.", "Due 5 March 2024.", "6 March 2024"),
    ("a day the context never gave", "Due March 5, 2024.", "Due in March 2024.", "March 5, 2024"),
    ("another scale", "It has 1.2 billion users.", "It has 1.2 million users.", "1.2 billion"),
    ("a one-digit rounding is too loose", "It weighs 50 tonnes.", "It weighs 47 tonnes.", "50"),
]


@pytest.mark.parametrize(
    ("output", "context"), [c[1:] for c in SAME_NUMBER], ids=[c[0] for c in SAME_NUMBER]
)
def test_numbers_written_differently_are_the_same(output: str, context: str) -> None:
    """Normalisation makes these outputs supported by their context."""
    assert check(make_exchange(output, context=[context])) == []


@pytest.mark.parametrize(
    ("output", "context", "claim"),
    [c[1:] for c in DIFFERENT_NUMBER],
    ids=[c[0] for c in DIFFERENT_NUMBER],
)
def test_numbers_that_differ_are_unsupported(output: str, context: str, claim: str | None) -> None:
    """Each differing number or date is one finding at its span."""
    found = check(make_exchange(output, context=[context]))
    assert [f.category for f in found] == ["unsupported_number"]
    if claim is not None:
        assert output[found[0].start : found[0].end] == claim


NOT_CLAIMS = [
    ("small counts", "There are 3 steps and 2 options."),
    ("list markers", "1. Open the app\n2. Tap refund"),
    ("numbers inside model names", "GPT-4 and COVID-19 and H2O."),
    ("version strings", "Update to v1.2.3 today."),
    ("numbers in code", "Run `sleep 3600` then\n```\nretry(42)\n```"),
]


@pytest.mark.parametrize("output", [c[1] for c in NOT_CLAIMS], ids=[c[0] for c in NOT_CLAIMS])
def test_some_numbers_are_not_claims(output: str) -> None:
    """Small integers, numbers glued to names and code are not checked."""
    assert check(make_exchange(output, context=["Nothing here."])) == []


def test_the_score_is_the_share_of_unsupported_numbers() -> None:
    """One unsupported number out of five scores 0.2."""
    output = "Sold 1,200 in 2019 and 7,777 in 2020 at 55%."
    found = check(make_exchange(output, context=["1200 units in 2019, 2020 was 55 percent."]))
    assert [(output[f.start : f.end], f.score) for f in found] == [("7,777", 0.2)]


def test_a_small_integer_limit_of_minus_one_counts_everything() -> None:
    """`small_integer_max: -1` makes every number a claim."""
    exchange = make_exchange("There are 3 steps.", context=["Steps: two."])
    assert check(exchange) == []
    found = check(exchange, claims={"numbers": {"small_integer_max": -1}})
    assert [f.category for f in found] == ["unsupported_number"]


def test_rounding_support_can_be_turned_off() -> None:
    """With `allow_rounding: false` only exact values support a number."""
    exchange = make_exchange("About 1.2 million users.", context=["Users: 1,234,567."])
    found = check(exchange, claims={"numbers": {"allow_rounding": False}})
    assert [f.category for f in found] == ["unsupported_number"]


URLS = [
    ("the same URL", "https://example.com/docs/a", True),
    ("without the scheme and www", "www.example.com/docs/a", True),
    ("with a fragment and a trailing slash", "https://example.com/docs/a/#part", True),
    ("a parent path of a context URL", "https://example.com/docs", True),
    ("the chunk's source URL", "https://kb.example.com/article/7", True),
    ("a deeper path than the context has", "https://example.com/docs/a/b", False),
    ("another host", "https://example.org/docs/a", False),
]


@pytest.mark.parametrize(("url", "supported"), [u[1:] for u in URLS], ids=[u[0] for u in URLS])
def test_urls_compare_after_normalisation(url: str, supported: bool) -> None:
    """Scheme, www, fragments and slashes are ignored; made-up deep links are not."""
    chunk = ContextChunk(
        "doc-1", "Docs: https://www.example.com/docs/a", "https://kb.example.com/article/7"
    )
    output = f"Read {url} for more."
    found = check(make_exchange(output, context=[chunk]))
    assert (found == []) is supported
    if not supported:
        assert [f.category for f in found] == ["unsupported_url"]
        assert output[found[0].start : found[0].end] == url


ENTITIES = [
    ("a name the context has", "Jane Smith approved it.", True),
    ("a name with a title the context uses", "President Richard Nixon resigned.", True),
    ("a shorter form of a context name", "Richard Nixon resigned.", True),
    ("a name with connectors", "The Bank of America said so.", True),
    ("a possessive name", "Jane Smith's team approved it.", True),
    ("an unknown name", "John Doe approved it.", False),
    ("a partly unknown name", "Jane Doe approved it.", False),
]


@pytest.mark.parametrize(
    ("output", "supported"), [e[1:] for e in ENTITIES], ids=[e[0] for e in ENTITIES]
)
def test_names_need_every_word_in_the_support(output: str, supported: bool) -> None:
    """A capitalised multi-word name is supported when all of its words are."""
    context = ["Jane Smith works with President Richard Nixon at Bank of America."]
    found = check(make_exchange(output, context=context))
    assert (found == []) is supported
    if not supported:
        assert [f.category for f in found] == ["unsupported_entity"]


def test_single_words_are_names_only_when_asked() -> None:
    """`single_words: true` also checks mid-sentence capitalised words, never sentence starts."""
    exchange = make_exchange("The company is based in Mumbai. Delhi is nearby.", context=["Delhi."])
    assert check(exchange) == []
    found = check(exchange, claims={"entities": {"single_words": True}})
    assert [f.category for f in found] == ["unsupported_entity"]


def test_sentence_openers_are_not_part_of_a_name() -> None:
    """Leading words like `The` and `In` are dropped from a name's span."""
    text = "In March Jane Smith met The Oberoi Group."
    spans = [text[c.start : c.end] for c in extract_claims(text, [], numbers=False, urls=False)]
    assert spans == ["Jane Smith", "Oberoi Group"]


@pytest.mark.parametrize(
    ("literal", "value"),
    [("1,200", "1200"), ("3.50", "3.50"), ("1,2,3", "1,2,3"), ("1.2.3", "1.2.3")],
    ids=["thousands", "decimal", "a comma list stays literal", "a version stays literal"],
)
def test_parse_number(literal: str, value: str) -> None:
    """Plain numbers become values; other digit runs keep their literal."""
    assert str(parse_number(literal)) == value


def test_url_key_normalises_host_and_drops_noise() -> None:
    """Host case, www, default ports, fragments and final slashes do not matter."""
    assert url_key("HTTPS://WWW.Example.com:443/Path/#x") == "example.com/Path"
