"""What the pii analyzer finds: each entity, thresholds and context, custom RE2 patterns."""

from __future__ import annotations

import time
from collections.abc import Iterator, MutableMapping
from typing import Any

import phonenumbers.phonenumberutil
import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

from sentinel.filters.pii.checksums import luhn_valid
from sentinel.filters.pii.config import PiiRules
from sentinel.filters.pii.engine import build_engine
from sentinel.filters.pii.fast import FastAnalyzer
from sentinel.filters.pii.gates import _PHONE_PUNCTUATION, SPECS, Gate
from sentinel.filters.pii.phone import PhoneBounds

ZIP = {
    "name": "us_zip_code",
    "entity": "ZIP_CODE",
    "patterns": [{"name": "zip5", "regex": r"\b\d{5}\b", "score": 0.1}],
    "context": ["zip", "postal"],
}
EVIL = {
    "name": "evil",
    "entity": "EVIL",
    "patterns": [{"name": "nested", "regex": "(a+)+$", "score": 0.9}],
}


def rules(**fields: Any) -> PiiRules:
    return PiiRules.model_validate({"version": "sentinel/v1", "kind": "pii", **fields})


@pytest.fixture(scope="module")
def analyzer() -> FastAnalyzer:
    return FastAnalyzer(build_engine(rules(custom_recognizers=[ZIP, EVIL])))


def found(analyzer: FastAnalyzer, text: str) -> list[tuple[str, str, float]]:
    """(entity, matched text, score) from the fast path, checked against plain Presidio."""
    entities = sorted(analyzer.engine.pattern_entities())
    results, complete = analyzer.analyze(text, entities)
    reference = analyzer.engine.presidio(text, entities)
    key = sorted((r.entity_type, r.start, r.end, r.score) for r in results)
    assert complete and key == sorted((r.entity_type, r.start, r.end, r.score) for r in reference)
    return sorted((r.entity_type, text[r.start : r.end], round(r.score, 2)) for r in results)


POSITIVE = [
    (
        "an email address is found",
        "write to jane.doe@example.co.uk",
        "EMAIL_ADDRESS",
        "jane.doe@example.co.uk",
    ),
    (
        "a US phone number is found",
        "call me on (212) 555-0188 tonight",
        "PHONE_NUMBER",
        "(212) 555-0188",
    ),
    (
        "an international phone number is found",
        "ring +44 20 7946 0958",
        "PHONE_NUMBER",
        "+44 20 7946 0958",
    ),
    (
        "a Visa number is found",
        "pay with 4111 1111 1111 1111 now",
        "CREDIT_CARD",
        "4111 1111 1111 1111",
    ),
    (
        "an SSN with its separators is found",
        "my ssn is 536-22-9801 ok",
        "US_SSN",
        "536-22-9801",
    ),
    (
        "an IBAN is found",
        "IBAN GB82 WEST 1234 5698 7654 32",
        "IBAN_CODE",
        "GB82 WEST 1234 5698 7654 32",
    ),
    (
        "a lower-case IBAN is found, as Presidio's registry finds it",
        "my iban is gb82west12345698765432",
        "IBAN_CODE",
        "gb82west12345698765432",
    ),
    (
        "an IPv4 address is found",
        "the host at 192.168.10.24 is down",
        "IP_ADDRESS",
        "192.168.10.24",
    ),
    (
        "an IPv6 address is found",
        "ping 2001:db8:85a3::8a2e:370:7334",
        "IP_ADDRESS",
        "2001:db8:85a3::8a2e:370:7334",
    ),
    (
        "a Mastercard in the 2221-2720 range is found",
        "card 2223 0000 4841 0010",
        "CREDIT_CARD",
        "2223 0000 4841 0010",
    ),
    (
        "a ZIP code next to its context word is found",
        "my zip code is 94105 thanks",
        "ZIP_CODE",
        "94105",
    ),
]


@pytest.mark.parametrize(
    ("text", "entity", "value"), [p[1:] for p in POSITIVE], ids=[p[0] for p in POSITIVE]
)
def test_each_entity_is_found(analyzer: FastAnalyzer, text: str, entity: str, value: str) -> None:
    """The entity is reported with exactly its span, as Presidio alone reports it."""
    assert (entity, value) in [(e, v) for e, v, _ in found(analyzer, text)]


NEGATIVE = [
    ("a domain without a public suffix is not an email", "mail admin@intranet.local now"),
    ("a Luhn-invalid card number is not a card", "ref 4111 1111 1111 1112 ok"),
    ("a Luhn-invalid 2-series number is not a card", "ref 2223 0000 4841 0011 ok"),
    ("a nine-digit number without context is below the threshold", "order 536229801 shipped"),
    ("a published sample SSN is not an SSN", "like 078-05-1120 in the docs"),
    ("an IBAN with a bad checksum is not an IBAN", "IBAN GB00 WEST 1234 5698 7654 32"),
    ("an octet above 255 is not an IP address", "version 300.1.2.3 released"),
    ("a year and a count are not phone numbers", "In 1999 we sold 4200 units."),
    ("a five-digit number without context is not a ZIP code", "there were 94105 visitors"),
    ("plain prose holds nothing", "The quick brown fox jumps over the lazy dog."),
]


@pytest.mark.parametrize("text", [n[1] for n in NEGATIVE], ids=[n[0] for n in NEGATIVE])
def test_look_alikes_are_not_reported(analyzer: FastAnalyzer, text: str) -> None:
    """Validators, thresholds and context keep look-alikes out."""
    assert found(analyzer, text) == []


def test_a_weak_pattern_counts_next_to_a_context_word(analyzer: FastAnalyzer) -> None:
    """A nine-digit number scores 0.05 alone and 0.4 after "ssn" (Presidio's +0.35, floor 0.4)."""
    assert ("US_SSN", "536229801", 0.4) in found(analyzer, "my ssn: 536229801")


def test_presidio_alone_misses_the_2_series_that_sentinel_adds() -> None:
    """Presidio's own card pattern does not match 2221-2720; the extra recognizer does."""
    number = "2223000048410010"
    assert luhn_valid(number)
    assert CreditCardRecognizer().analyze(f"card {number}", ["CREDIT_CARD"]) == []
    assert not luhn_valid("2223000048410011")


def test_a_catastrophic_pattern_finishes_quickly(analyzer: FastAnalyzer) -> None:
    """(a+)+$ on 50,000 a's and a '!' is linear under RE2 (a backtracking engine never ends)."""
    text = "a" * 50_000 + "!"
    began = time.process_time()  # CPU time: load elsewhere does not count
    results, complete = analyzer.analyze(text, ["EVIL"])
    assert complete and results == []
    assert time.process_time() - began < 2.0
    assert [(r.start, r.end) for r in analyzer.analyze("xaaa", ["EVIL"])[0]] == [(1, 4)]


def test_only_the_entities_asked_for_are_reported(analyzer: FastAnalyzer) -> None:
    """An entity left out of the request is not looked for."""
    text = "jane@example.com, (212) 555-0188"
    results, _ = analyzer.analyze(text, ["PHONE_NUMBER"])
    assert {r.entity_type for r in results} == {"PHONE_NUMBER"}


def test_the_phone_punctuation_copy_matches_phonenumbers() -> None:
    """The gate's copy of phonenumbers' punctuation class is pinned to the library's."""
    expected = "-x‐-―−ー－-／ \xa0\xad\u200b\u2060\u3000()（）［］.\\[\\]/~⁓∼～"
    assert expected == phonenumbers.phonenumberutil._VALID_PUNCTUATION
    for (
        char
    ) in "x\u2010\u2015\u2212\u30fc\uff0d\uff0f \xa0\xad\u200b\u2060\u3000()（）［］.[]/~⁓∼～":
        assert f"\\x{{{ord(char):x}}}" in _PHONE_PUNCTUATION or char in _PHONE_PUNCTUATION


BOUNDS = [
    ("US and GB numbers need 7 digits in national format", ["US", "GB"], {"US": 7, "GB": 7}),
    ("German numbers can be as short as 4 digits", ["DE"], {"DE": 4}),
    ("Guernsey's transform adds 4 digits to 7, so 3 may be written", ["GG"], {"GG": 3}),
]


@pytest.mark.parametrize(
    ("regions", "national"), [b[1:] for b in BOUNDS], ids=[b[0] for b in BOUNDS]
)
def test_phone_digit_bounds(regions: list[str], national: dict[str, int]) -> None:
    """The bounds come from phonenumbers' metadata; +country numbers need at least 6."""
    bounds = PhoneBounds(regions)
    assert bounds.national == national
    assert bounds.international == 6


def test_a_cluster_is_scanned_only_for_regions_that_can_match() -> None:
    """A region's pass runs only if the cluster can hold one of its numbers."""
    # A year is too short for the US and fits no German number pattern; a Berlin number
    # fits no US pattern and holds no US international prefix; after + any region may match.
    bounds = PhoneBounds(["US", "DE"])
    assert bounds.needed("in ", "1999") == ()
    assert bounds.needed("call ", "030 1234567") == ("DE",)
    assert "US" in bounds.needed("call ", "212 555 0188")
    assert bounds.needed("+", "49 30 1234") == ("US", "DE")


@pytest.fixture
def logs() -> Iterator[list[MutableMapping[str, Any]]]:
    with structlog.testing.capture_logs() as captured:
        yield captured


def test_a_missing_ner_model_turns_ner_off_without_download(
    logs: list[MutableMapping[str, Any]],
) -> None:
    """A named but uninstalled model is logged once at build time; nothing is fetched."""
    engine = build_engine(rules(ner_model="en_core_web_lg"))
    assert engine.ner is None
    events = [e for e in logs if e["event"] == "pii_ner_off"]
    assert events == [
        {
            "event": "pii_ner_off",
            "log_level": "warning",
            "reason": "model_not_installed",
            "model": "en_core_web_lg",
        }
    ]


def test_a_set_out_of_memory_falls_back_to_single_searches(
    analyzer: FastAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An RE2 set out of memory (it then says "no match") falls back to single searches."""

    class OutOfMemory:
        def Match(self, text: str) -> None:
            return None  # what re2.Set.Match returns on overflow, even for "(?:)"

    gate = analyzer.gate
    text = "mail me@example.com or call (212) 555-0188"
    expected = gate.fired(text)
    assert len(expected) >= 2
    before = gate.overflows
    monkeypatch.setattr(gate, "_set", OutOfMemory())
    assert gate.fired(text) == expected
    assert gate.overflows == before + 1


_GATE = Gate(dict(SPECS))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab1 @.:\n\r\u00e9\u2028-+()", max_size=40))
def test_the_gate_canary_matches_every_input_at_its_end(text: str) -> None:
    """The set's overflow canary (pattern 0, `\\z`) matches any text, empty or ending in a
    newline, so its absence still means the DFA ran out of memory and nothing else."""
    assert 0 in _GATE._set.Match(text)
