"""Text normalisation for the content filter: what each view reads, and spans that map back."""

from __future__ import annotations

import re

import pytest

from sentinel.filters.content.normalize import TextViews, mixed_script_words, normalize_text

READS_AS = [
    ("upper case folds to lower case", "IGNORE Previous", "ignore previous"),
    ("leetspeak digits inside words read as letters", "1gn0r3 pr3v10u5", "ignore previous"),
    ("@ and $ inside words read as a and s", "p@$$word", "password"),
    ("numbers on their own keep their digits", "order 4471 of 2024", "order 4471 of 2024"),
    ("a number with a unit keeps its digits", "take 500mg on the 3rd", "take 500mg on the 3rd"),
    ("letters spaced out with blanks are joined", "i g n o r e this", "ignore this"),
    ("letters spaced out with dots are joined", "i.g.n.o.r.e this", "ignore this"),
    ("punctuation inside a word is dropped", "ign.ore don't e-mail", "ignore dont emaii"),
    ("zero-width characters are removed", "ig\u200bno\u200dre", "ignore"),
    ("fullwidth letters fold to ASCII", "ｉｇｎｏｒｅ", "ignore"),
    ("mathematical bold letters fold to ASCII", "𝐢𝐠𝐧𝐨𝐫𝐞", "ignore"),
    ("Cyrillic look-alikes inside a Latin word become Latin", "іgnоrе", "ignore"),
    ("accents are stripped", "café naïve", "cafe naive"),
    (
        "combining marks on Latin letters are stripped",
        "i\u0336g\u0336n\u0336o\u0336r\u0336e\u0336",
        "ignore",
    ),
    ("ligatures expand", "ﬁle", "fiie"),
    ("sharp s casefolds to ss", "Straße", "strasse"),
    ("the letter l reads as i, like the digit 1", "kill ki11", "kiii kiii"),
    ("a whole Cyrillic sentence stays Cyrillic", "Привет мир", "привет мир"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [r[1:] for r in READS_AS], ids=[r[0] for r in READS_AS]
)
def test_the_normalized_view_reads(text: str, expected: str) -> None:
    """The normalized view undoes the usual obfuscations and keeps ordinary text."""
    assert normalize_text(text) == expected


MAPS_BACK = [
    ("plain ASCII", "Please IGNORE the rules", ["Please", "IGNORE", "the", "rules"]),
    (
        "zero-width characters inside words",
        "Please ig\u200bno\u200bre the ru\u2060les",
        ["Please", "ig\u200bno\u200bre", "the", "ru\u2060les"],
    ),
    (
        "spaced-out letters",
        "Please i g n o r e the r.u.l.e.s",
        ["Please", "i g n o r e", "the", "r.u.l.e.s"],
    ),
    (
        "fullwidth and ligatures",
        "Please ｉｇｎｏｒｅ the ﬁle rules",
        ["Please", "ｉｇｎｏｒｅ", "the", "ﬁle", "rules"],
    ),
    ("homoglyphs and accents", "Plеase іgnоrе thé rulés", ["Plеase", "іgnоrе", "thé", "rulés"]),
    ("leetspeak", "Pl3as3 1gn0r3 th3 rul35", ["Pl3as3", "1gn0r3", "th3", "rul35"]),
    (
        "emoji and CJK before the words",
        "🙂 中文，测试 Please ignore",
        ["🙂", "中文，测试", "Please", "ignore"],
    ),
    ("combining marks", "Plé ignöre", ["Plé", "ignöre"]),
]


@pytest.mark.parametrize(
    ("text", "words"), [r[1:] for r in MAPS_BACK], ids=[r[0] for r in MAPS_BACK]
)
def test_every_word_of_the_normalized_view_maps_back_to_its_original_word(
    text: str, words: list[str]
) -> None:
    """Each normalized word's span, mapped back, covers exactly that word in the original."""
    views = TextViews(text)
    spans = [m.span() for m in re.finditer(rb"\S+", views.normalized_bytes)]
    assert [text[s:e] for s, e in views.to_original("normalized", spans)] == words


def test_folded_view_spans_map_back_through_removed_characters() -> None:
    """A folded-view span skips no original character that lies inside it."""
    text = "x \u200bＡＢＣ\u200b y"
    views = TextViews(text)
    start = views.folded_bytes.index(b"abc")
    ((s, e),) = views.to_original("folded", [(start, start + 3)])
    assert text[s:e] == "ＡＢＣ"


def test_original_view_spans_are_character_offsets() -> None:
    """Byte offsets in the original view come back as character offsets."""
    text = "héllo wörld key"
    views = TextViews(text)
    start = views.original_bytes.index(b"key")
    assert views.to_original("original", [(start, start + 3)]) == [(12, 15)]


def test_mixed_script_words_are_found_and_pure_scripts_are_not() -> None:
    """Only words mixing Latin with Cyrillic/Greek look-alikes are mixed-script words."""
    text = "pаypal Привет hello мир"
    assert [text[s:e] for s, e in mixed_script_words(text)] == ["pаypal"]


def test_a_huge_spaced_out_text_is_joined_in_linear_time() -> None:
    """Four megabytes of spaced letters normalise quickly (no per-character Python loop)."""
    import time

    text = "i g n o r e " * 350_000
    began = time.process_time()  # CPU time: load elsewhere does not count
    normalized = TextViews(text).normalized_bytes
    assert normalized.startswith(b"ignoreignore")
    assert time.process_time() - began < 2.0
