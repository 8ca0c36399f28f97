"""Context-reading PII recognizers and shape rules: what context lets through, what shapes
reject, cards of 12-19 digits, driver's licences, code that looks like PII."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from sentinel.filters.pii.config import PiiRules
from sentinel.filters.pii.contextual import ContextPhoneRecognizer
from sentinel.filters.pii.engine import build_engine
from sentinel.filters.pii.fast import FastAnalyzer
from sentinel.filters.pii.filter import PiiFilter
from sentinel.filters.pii.overlaps import resolve
from sentinel.filters.pii.shapes import code_literal, number_shape, python_slice

RULES = Path(__file__).resolve().parents[2] / "sentinel" / "rules" / "defaults" / "pii.yaml"


@pytest.fixture(scope="module")
def pii() -> PiiFilter:
    rules = PiiRules.model_validate(yaml.safe_load(RULES.read_text(encoding="utf-8")))
    return PiiFilter(rules, FastAnalyzer(build_engine(rules)))


def found(pii: PiiFilter, text: str) -> list[tuple[str, str]]:
    entities = sorted(pii.rules.known_entities())
    results, _ = pii.analyzer.analyze(text, entities)
    kept = resolve(pii.judge(text, results))
    return sorted((r.entity_type, text[r.start : r.end]) for r in kept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can someone call me on (08) 9098 6465?", [("PHONE_NUMBER", "(08) 9098 6465")]),
        ("They're not answering at 078 8098 1119", [("PHONE_NUMBER", "078 8098 1119")]),
        ("to stop receiving messages to 699 956 915", [("PHONE_NUMBER", "699 956 915")]),
        ("Phone:\\n0393 1144137\\n", [("PHONE_NUMBER", "0393 1144137")]),
        ("655 437 108 office", [("PHONE_NUMBER", "655 437 108")]),
        ("ring +44 20 7946 0958 today", [("PHONE_NUMBER", "+44 20 7946 0958")]),
        ("HQ: (212) 555-0100.", [("PHONE_NUMBER", "(212) 555-0100")]),
        ("My card 4131034282458809939", [("CREDIT_CARD", "4131034282458809939")]),
        ("card number 630427373398", [("CREDIT_CARD", "630427373398")]),
        ("my driver's license number is 2270-66-1551",
         [("US_DRIVER_LICENSE", "2270-66-1551")]),
        ("Driving licence: MORGA753116SM9IJ", [("US_DRIVER_LICENSE", "MORGA753116SM9IJ")]),
    ],
    ids=[
        "a phone number after 'call me on' that no configured region validates",
        "a phone number after 'not answering at'",
        "a phone number after 'messages to'",
        "a phone number after an escaped newline in JSON-encoded text",
        "a phone number before 'office'",
        "an international number without context",
        "a grouped national number without context",
        "a 19-digit Luhn-valid card number",
        "a 12-digit Luhn-valid card number after 'card number'",
        "a driver's licence number shaped like an SSN",
        "a driving licence with letters",
    ],
)  # fmt: skip
def test_context_accepts_weaker_patterns(
    pii: PiiFilter, text: str, expected: list[tuple[str, str]]
) -> None:
    """Context words let weaker number patterns through as the entity they announce."""
    assert found(pii, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Write a 3000-4000 words essay",
        "The trial ran for 16-43 months with 12000 patients.",
        "It costs $16.99, or 1699.99 for ten.",
        "My order ORD-354733 and ticket TCK-12345678 are open.",
        "Dates: 2024-03-05, 06-04-2020, '04-0-2040' and 2003-05-31 09:50:57.578374",
        "Call it version 3.2.1, build 1234567 of the SKU 651-221-2223.",
        "Apt. 427 33209 Main Street",
        "evens = l[::2]; odds = l[1::3]",
        'payload = {"ZIP": "12345"}\nassert zip_of(row) == "12345"',
        "the card game ended 12345678901234567 to nil",
    ],
    ids=[
        "a range with a unit",
        "a range of months",
        "prices and decimals",
        "order and ticket ids",
        "dates, valid or not, with times",
        "versions, build numbers and SKUs",
        "an apartment and a house number",
        "python slices",
        "ZIP-like literals in code",
        "a Luhn-invalid long number after 'card'",
    ],
)
def test_number_shapes_that_are_not_pii(pii: PiiFilter, text: str) -> None:
    """Ranges, prices, dates, versions, ids and code are not reported as PII."""
    assert found(pii, text) == []


def test_zip_code_with_its_context_word_still_counts(pii: PiiFilter) -> None:
    """Rejecting code literals leaves a ZIP code written in prose alone."""
    assert found(pii, "my zip code is 12345") == [("ZIP_CODE", "12345")]


def test_number_table_without_context_yields_no_phone_candidates() -> None:
    """A table of bare numbers (no separators, no context word) holds no phone number."""
    rng = random.Random(1)
    table = "\n".join(
        ",".join(str(rng.randrange(10 ** rng.randrange(1, 12))) for _ in range(10))
        for _ in range(200)
    )
    recognizer = ContextPhoneRecognizer(["US", "GB"], threshold=0.4)
    assert recognizer.analyze(table, ["PHONE_NUMBER"]) == []
    assert recognizer.analyze(table + "\nphone: 020 7946 0958", ["PHONE_NUMBER"]) != []


@pytest.mark.parametrize(
    ("text", "span", "reason"),
    [
        ("3000-4000 words", (0, 9), "range"),
        ("for $16.99", (5, 10), "price"),
        ("ORD-354733", (4, 10), "id"),
        ("on 2024-03-05", (3, 13), "date"),
        ("12 345 678 kg", (0, 10), "quantity"),
        ("call 555 0100", (5, 13), None),
    ],
)
def test_number_shape_reasons(text: str, span: tuple[int, int], reason: str | None) -> None:
    """Each shape rule names why a number is not PII, and stays silent on a phone."""
    assert number_shape(text, *span) == reason


def test_slices_and_literals() -> None:
    """Slices and code literals are recognised from the characters around the match."""
    assert python_slice("x[1::3]", 2, 6)
    assert not python_slice("bind ::1 here", 5, 8)
    assert code_literal('{"zip": "12345"}', 9, 14)
    assert not code_literal("my zip is 12345", 10, 15)
