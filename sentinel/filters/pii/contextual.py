"""Recognizers that read their context: phone numbers, card numbers, driver's licences.

Each one finds candidates with one RE2 pass (linear time), looks a few characters around
each candidate (constant work), and scores it in tiers:

- a **context word** near the candidate ("call me on", "Phone:", "fax", "card", "cc",
  "driver's license number is") lets a weaker pattern through (a phone number phonenumbers
  cannot place in a configured region, a Luhn-valid card number of an unlisted issuer);
- a **shape** that is not personal data (a range with a unit, a price, a decimal, a date,
  a version, an id such as `ORD-354733`; `shapes.py`) rejects the candidate whatever the
  context says;
- without context, only strong forms count: a phone number written with `+` or in a
  grouped national format that python-phonenumbers validates for a configured region, a
  Luhn-valid card number of a known issuer.

Scores per tier are constants below (calibrated on the development families, see
docs/evaluation-pii.md); the threshold per entity is in the rules. Context is read by the
recognizers themselves, not by Presidio's context enhancer (their `context` list is empty),
so the fast path and Presidio give the same results without tokenizing anything.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import phonenumbers
import re2  # type: ignore[import-untyped]  # google-re2 ships no type information
from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

from sentinel.filters.pii.checksums import luhn_valid
from sentinel.filters.pii.shapes import number_shape

# Tier scores (0..1). Calibrated on the development families: the share of candidates of
# each tier that were gold PII there (docs/evaluation-pii.md, "scores by tier").
PHONE_CONTEXT_VALID = 0.95
PHONE_INTERNATIONAL_VALID = 0.85
PHONE_CONTEXT_POSSIBLE = 0.6
PHONE_FORMATTED_VALID = 0.6
PHONE_BARE_VALID = 0.25  # below the default threshold: needs a context word
CARD_CONTEXT = 1.0
CARD_KNOWN_ISSUER = 0.9
CARD_UNKNOWN_ISSUER = 0.3  # below the default threshold: needs a context word
LICENCE_CONTEXT = 0.85

# How far a context word may be from a candidate (characters): before it, and after it.
CONTEXT_BEFORE_CHARS = 40
CONTEXT_AFTER_CHARS = 12
# Text read after a context word for a number (its start within CONTEXT_BEFORE_CHARS, and
# room for the longest candidate), and before a trailing context word.
_AFTER_WORD_CHARS = CONTEXT_BEFORE_CHARS + 64
_BEFORE_WORD_CHARS = CONTEXT_AFTER_CHARS + 64
_CACHE_ENTRIES = 4096  # phone validity by digits: numbers repeat in a stream
_EXPIRY_EVERY = 16  # phone candidates considered between two looks at the time budget

PHONE_WORDS = (
    *("phone", "phones", "telephone", "tel", "mobile", "cell", "cellphone", "fax", "call"),
    *("calls", "calling", "called", "ring", "dial", "text", "txt", "sms", "whatsapp"),
    *("contact", "reach", "reached", "answering", "message", "messages", "voicemail"),
    *("hotline", "landline", "desk", "office", "home", "work", "number", "registered"),
)
PHONE_WORDS_AFTER = ("office", "fax", "mobile", "cell", "home", "work", "desk", "phone")
CARD_WORDS = (
    *("card", "cards", "cc", "credit", "debit", "visa", "mastercard", "amex", "discover"),
    *("maestro", "jcb", "diners", "unionpay", "charge", "billed", "pan"),
)

# 7-15 digits joined by at most two separator characters, an optional + or ( lead and an
# optional extension: a superset of the phone numbers worth reading.
_PHONE_CANDIDATE = (
    r"(?:\+ ?|\()?\p{Nd}(?:[ .\-/()]{0,2}\p{Nd}){6,14}"
    r"(?:\)? ?(?:[xX]|[eE][xX][tT]\.? ?)\p{Nd}{1,6})?"
)
# Candidates read without a context word: 9-15 digits in two or more groups (7-15 after a
# +), joined by what a grouped number has between groups. One alternative per size of the
# first group makes RE2 count the digits, so dates and decimals (8 digits or fewer) and
# bare runs of digits never match: a table of numbers costs one RE2 pass.
_SEP = r"(?:\) ?|[ .\-/]{1,2}\(?)"
_DIGIT = r"\p{Nd}"


def _grouped() -> str:
    branches = [
        rf"{_DIGIT}{{{k}}}{_SEP}{_DIGIT}(?:{_SEP}?{_DIGIT}){{{8 - k},{14 - k}}}"
        for k in range(1, 9)
    ]
    branches.append(rf"{_DIGIT}{{9,14}}{_SEP}{_DIGIT}(?:{_SEP}?{_DIGIT}){{0,5}}")
    international = rf"\+ ?\(?{_DIGIT}(?:{_SEP}?{_DIGIT}){{6,14}}"
    extension = r"(?:\)? ?(?:[xX]|[eE][xX][tT]\.? ?)\p{Nd}{1,6})?"
    return rf"(?:{international}|\(?(?:{'|'.join(branches)})){extension}"


_PHONE_GROUPED = _grouped()
_EXTENSION = re2.compile(r"(?:[xX]|[eE][xX][tT]\.? ?)\p{Nd}{1,6}$")
_CARD_CANDIDATE = r"\b\p{Nd}(?:[ \-]?\p{Nd}){11,18}\b"
_KNOWN_ISSUER = re2.compile(r"^(?:4|5[0-9]|2[2-7]|3[0-9]|6|1800|2131)")
_LICENCE = (
    r"(?i)\b(?:driver'?s?|driving|drivers)[ \-]licen[cs]e"
    r"(?:[ \-]?(?:number|num|no\.?|#|id))?"
    r"(?:[ \t]*(?:is|was|reads|:|=|#)[ \t:]*|[ \t]+)"
    r"([A-Z0-9](?:[A-Z0-9\-]{3,18})[A-Z0-9])\b"
)

# RE2 triggers for the gate (`gates.py`): one occurs in every candidate; the recognizers
# then run on the whole text (their own passes are linear).
CONTEXTUAL_TRIGGERS = {
    "ContextPhoneRecognizer": r"\p{Nd}(?:[ .\-/()]{0,2}\p{Nd}){6}",
    "LuhnCardRecognizer": r"\p{Nd}(?:[ \-]?\p{Nd}){11}",
    "DriverLicenceRecognizer": r"(?i)licen[cs]e",
}


def _options() -> Any:
    opts = re2.Options()
    opts.max_mem = 8 << 20
    opts.log_errors = False
    return opts


def words_pattern(words: Iterable[str]) -> str:
    """An RE2 pattern for any of `words` as whole words, case-insensitive; a written-out
    escape before a word (`\\nPhone` in JSON-encoded text) counts as a boundary."""
    alternatives = "|".join(sorted({re2.escape(w.casefold()) for w in words}, key=len))
    return rf"(?i)(?:\b|\\[nrt])(?:{alternatives})\b"


class ContextWords:
    """Positions of context words in a text (one RE2 pass), and whether one is near a span."""

    def __init__(self, words: Iterable[str], after: Iterable[str] = ()) -> None:
        self._before = re2.compile(words_pattern(words), _options())
        after = list(after)
        self._after = re2.compile(words_pattern(after), _options()) if after else None

    def ends(self, text: str) -> list[int]:
        """Where each context word (read before a candidate) ends."""
        return [m.end() for m in self._before.finditer(text)]

    def after_starts(self, text: str) -> list[int]:
        """Where each context word read after a candidate ("... office") starts."""
        return [m.start() for m in self._after.finditer(text)] if self._after else []

    def near(self, text: str, ends: Sequence[int], start: int, end: int) -> bool:
        """A context word ends within `CONTEXT_BEFORE_CHARS` before `start` (same line or
        the line before), or one starts within `CONTEXT_AFTER_CHARS` after `end`."""
        i = bisect.bisect_right(ends, start) - 1
        if i >= 0 and start - ends[i] <= CONTEXT_BEFORE_CHARS:
            between = text[ends[i] : start]
            if between.count("\n") <= 1 and not any(c.isdigit() for c in between):
                return True
        if self._after is not None:
            tail = text[end : end + CONTEXT_AFTER_CHARS]
            m = self._after.search(tail)
            if m and not any(c.isdigit() for c in tail[: m.start()]):
                return True
        return False


class _Re2Recognizer(LocalRecognizer):
    """Shared plumbing: no model to load, no Presidio context words (we read our own)."""

    def load(self) -> None:
        return None


def _result(
    recognizer: _Re2Recognizer, entity: str, start: int, end: int, score: float, tier: str
) -> RecognizerResult:
    name = type(recognizer).__name__  # the recognizer's `name` (set to its class name)
    explanation = AnalysisExplanation(recognizer=name, original_score=score, pattern_name=tier)
    return RecognizerResult(
        entity_type=entity,
        start=start,
        end=end,
        score=score,
        analysis_explanation=explanation,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


class ContextPhoneRecognizer(_Re2Recognizer):
    """Phone numbers: phonenumbers-valid grouped or international forms, or any 7-15 digit
    number announced by a context word; number shapes that are not phones rejected."""

    def __init__(
        self,
        regions: Sequence[str],
        threshold: float,
        context: Sequence[str] = PHONE_WORDS,
    ) -> None:
        self.regions = tuple(regions)
        self.threshold = threshold  # tiers below it are not worth validating
        self.words = ContextWords(context, PHONE_WORDS_AFTER)
        self._candidates = re2.compile(_PHONE_CANDIDATE, _options())
        self._grouped = re2.compile(_PHONE_GROUPED, _options())
        self._valid: OrderedDict[tuple[str, bool], bool] = OrderedDict()
        super().__init__(
            supported_entities=["PHONE_NUMBER"], name="ContextPhoneRecognizer", context=[]
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Grouped candidates (one RE2 pass), then candidates near a context word (one RE2
        pass for the words, a bounded search after each); bare digit runs without context
        only when the threshold admits their tier. Linear in the text's length."""
        return self.analyze_within(text, None)[0]

    def analyze_within(
        self, text: str, expired: Callable[[], bool] | None
    ) -> tuple[list[RecognizerResult], bool]:
        """`analyze`, asking `expired` every few candidates: validating one costs up to a
        few hundred µs (python-phonenumbers in each region), so a text dense in phone-like
        digits could outlast the scan's time budget by seconds. Cut short, it returns what
        it found so far and False."""
        found: dict[tuple[int, int], RecognizerResult] = {}
        ends = self.words.ends(text)
        complete = True
        for n, (start, value) in enumerate(self._candidates_in(text, ends)):
            if expired is not None and not n % _EXPIRY_EVERY and expired():
                complete = False
                break
            self._consider(text, ends, start, value, found)
        return sorted(found.values(), key=lambda r: (r.start, r.end)), complete

    def _candidates_in(self, text: str, ends: Sequence[int]) -> Iterator[tuple[int, str]]:
        """(start, value) of every candidate, in the order they are considered (the first
        reading of a span wins)."""
        passes = [self._grouped.finditer(text)]
        if self.threshold <= PHONE_BARE_VALID:
            passes.append(self._candidates.finditer(text))
        for matches in passes:
            for match in matches:
                yield match.start(), match.group()
        # Bounded searches run on slices: the re2 module encodes the whole text again for
        # every call given positions, which would make this quadratic.
        for end in ends:  # a number right after a context word ("Phone: 412 5473")
            match = self._candidates.search(text[end : end + _AFTER_WORD_CHARS])
            if match:
                yield end + match.start(), match.group()
        for start in self.words.after_starts(text):  # "655 437 108 office"
            lo = max(0, start - _BEFORE_WORD_CHARS)
            last = None
            for match in self._candidates.finditer(text[lo:start]):
                last = match
            if last is not None and not (lo and last.start() == 0 and text[lo - 1].isdigit()):
                yield lo + last.start(), last.group()

    def _consider(
        self,
        text: str,
        ends: Sequence[int],
        start: int,
        value: str,
        found: dict[tuple[int, int], RecognizerResult],
    ) -> None:
        end = start + len(value)
        if (start, end) in found:
            return
        context = self.words.near(text, ends, start, end)
        bare_counts = self.threshold <= PHONE_BARE_VALID
        if not (context or bare_counts) and value.isdigit():
            return  # cheap exit: a bare run of digits needs a context word
        body = _EXTENSION.sub("", value).rstrip(" ).") if _maybe_extension(value) else value
        plus = value.startswith("+")
        digits = "".join(c for c in body if c.isdigit())
        if not 7 <= len(digits) <= 15:
            return
        groups = _groups(body)
        formatted = plus or "(" in body or groups >= 3 or (groups == 2 and _long_tail(body))
        if not (context or formatted or bare_counts):
            return
        if number_shape(text, start, end):
            return
        valid = self._is_valid(digits, plus)
        if context:
            score = PHONE_CONTEXT_VALID if valid else PHONE_CONTEXT_POSSIBLE
            tier = "context"
        elif not valid:
            return
        elif formatted:
            score = PHONE_INTERNATIONAL_VALID if plus else PHONE_FORMATTED_VALID
            tier = "international" if plus else "formatted"
        else:
            score, tier = PHONE_BARE_VALID, "bare"
        found[(start, end)] = _result(self, "PHONE_NUMBER", start, end, score, tier)

    def _is_valid(self, digits: str, plus: bool) -> bool:
        key = (digits, plus)
        found = self._valid.get(key)
        if found is None:
            found = _phone_valid(digits, plus, self.regions)
            self._valid[key] = found
            if len(self._valid) > _CACHE_ENTRIES:
                self._valid.popitem(last=False)
        return found


def _maybe_extension(value: str) -> bool:
    return any(c in value for c in "xXtT")


def _long_tail(body: str) -> bool:
    """Two groups read as a phone number only with a subscriber part of 5+ digits
    (`07700 900123`, `0381-6402200`), not `13813 3784` (a house number and a street)."""
    return len(body) - len(body.rstrip("0123456789")) >= 5


def _groups(body: str) -> int:
    count, inside = 0, False
    for char in body:
        if char.isdigit():
            if not inside:
                count += 1
            inside = True
        else:
            inside = False
    return count


def _phone_valid(digits: str, plus: bool, regions: Sequence[str]) -> bool:
    """python-phonenumbers says the number is valid: any country with a +, else in one of
    `regions` (national format, or with that region's international prefix)."""
    if not 7 <= len(digits) <= 15:
        return False
    tries: Sequence[str | None] = [None] if plus else regions
    text = "+" + digits if plus else digits
    for region in tries:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


class LuhnCardRecognizer(_Re2Recognizer):
    """Card numbers of 12-19 digits that pass the Luhn check: a known issuer's prefix and
    13-19 digits, or any Luhn-valid number after a card context word."""

    def __init__(self, context: Sequence[str] = CARD_WORDS) -> None:
        self.words = ContextWords(context)
        self._candidates = re2.compile(_CARD_CANDIDATE, _options())
        super().__init__(supported_entities=["CREDIT_CARD"], name="LuhnCardRecognizer", context=[])

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        ends: list[int] | None = None
        for match in self._candidates.finditer(text):
            start, end = match.span()
            digits = "".join(c for c in match.group() if c.isdigit())
            if len(set(digits)) == 1 or not luhn_valid(digits):
                continue
            if number_shape(text, start, end) in ("price", "decimal", "id", "version"):
                continue
            if ends is None:
                ends = self.words.ends(text)
            if self.words.near(text, ends, start, end):
                score, tier = CARD_CONTEXT, "context"
            elif len(digits) >= 13 and _KNOWN_ISSUER.match(digits):
                score, tier = CARD_KNOWN_ISSUER, "issuer"
            else:
                score, tier = CARD_UNKNOWN_ISSUER, "luhn"
            results.append(_result(self, "CREDIT_CARD", start, end, score, tier))
        return results


class DriverLicenceRecognizer(_Re2Recognizer):
    """A licence number right after "driver's license (number) is/:" and the like: the
    value must hold a digit; its shape varies by state, so the phrase is the evidence."""

    def __init__(self) -> None:
        self._pattern = re2.compile(_LICENCE, _options())
        super().__init__(
            supported_entities=["US_DRIVER_LICENSE"], name="DriverLicenceRecognizer", context=[]
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self._pattern.finditer(text):
            start, end = match.span(1)
            value = match.group(1)
            if any(c.isdigit() for c in value):
                results.append(
                    _result(self, "US_DRIVER_LICENSE", start, end, LICENCE_CONTEXT, "context")
                )
        return results
