"""Claims in an output: numbers, dates, URLs and capitalised names, with their spans.

Keys are computed as the support side (`support.py`) computes them: numbers and dates by
`numbers.py`; URLs without scheme, `www.`, default port, fragment or trailing slash; names
as the stems of their words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sentinel.filters.hallucination.numbers import (
    CURRENCY,
    DIGITS,
    MONTH_NAMES,
    NumberKey,
    month_dates,
    numeric_date,
    read_run,
)
from sentinel.filters.spans import SpanSet

ClaimKind = Literal["number", "date", "url", "entity"]
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`\[\]{}|\\^]+")  # lower case: literal prefix
_URL_TRAIL = ".,;:!?*_~'\""

_UPPER = "A-ZÀ-ÖØ-Þ"
# Lower-case words inside names: Bank of America, Leonardo da Vinci, Bank of the West.
_CONNECTORS = "of|de|del|della|des|du|la|le|van|von|der|den|da|di|al|bin|ibn|y|&"
ENTITY = re.compile(
    rf"(?<![\w'’-])[{_UPPER}][\w'’-]*"
    rf"(?:(?:\s+(?:{_CONNECTORS})(?:\s+the)?)?\s+[{_UPPER}][\w'’-]*)*"
)
_CONNECTOR_WORDS = frozenset([*_CONNECTORS.split("|"), "the", "and"])
# Capitalised words that open sentences or headings without naming anything.
_STARTERS = frozenset(
    (
        *("a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she"),
        *("they", "we", "i", "you", "his", "her", "their", "our", "my", "your", "in", "on"),
        *("at", "to", "for", "from", "with", "by", "as", "of", "but", "and", "or", "if"),
        *("when", "while", "after", "before", "during", "since", "because", "although"),
        *("though", "however", "therefore", "thus", "also", "then", "there", "here", "what"),
        *("which", "who", "whom", "whose", "where", "why", "how", "yes", "no", "not", "all"),
        *("any", "each", "every", "some", "many", "most", "more", "few", "both", "either"),
        *("neither", "one", "none", "according", "based", "see", "note", "please", "first"),
        *("second", "third", "finally", "overall", "today", "yesterday", "tomorrow"),
        *(name for names in MONTH_NAMES for name in names),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    )
)
_NOT_NAMES = _STARTERS | _CONNECTOR_WORDS
_SENTENCE_END = ".!?:;\n"
_LEADING = " \t\"'“‘(*-•#>`_[)0123456789"
WORD = re.compile(r"\w+")
_POSSESSIVE = re.compile(r"['’]s\b")


@dataclass(frozen=True, slots=True)
class Claim:
    """A checkable statement in the output: its kind, span and normalised keys."""

    kind: ClaimKind
    start: int
    end: int
    keys: tuple[object, ...]  # any key supported => the claim is supported
    significant: int = 0  # significant digits of a number (for rounding support)


def trim_url(url: str) -> str:
    """Drop trailing punctuation and an unbalanced closing parenthesis."""
    while url:
        if url[-1] in _URL_TRAIL or (url[-1] == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url


def url_key(url: str) -> str:
    """host/path?query: lower-case host, no scheme, `www.`, port 80/443, fragment or final /."""
    rest = url
    lowered = url[:8].lower()
    for scheme in ("https://", "http://"):
        if lowered.startswith(scheme):
            rest = url[len(scheme) :]
            break
    rest = rest.split("#", 1)[0]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    host, path = rest[:cut].lower(), rest[cut:]
    host = host.rsplit("@", 1)[-1]
    host = host.removeprefix("www.").removesuffix(":80").removesuffix(":443")
    return host + path.rstrip("/")


def url_prefixes(key: str) -> list[str]:
    """The key and its path prefixes: a.com/x/y -> a.com/x/y, a.com/x, a.com."""
    parts = key.split("?", 1)[0].split("/")
    out = [key]
    for i in range(len(parts) - 1, 0, -1):
        out.append("/".join(parts[:i]))
    return out


@functools.lru_cache(maxsize=1 << 16)  # words repeat across chunks; ~5 MB at most
def stem(word: str) -> str:
    """A crude stem of a case-folded word, the same on both sides: a plural `s` and a
    demonym `n` go (Awards ~ Award, Korean ~ Korea, Americans ~ America)."""
    if len(word) > 3 and word[-1] == "s" and word[-2] != "s":
        word = word[:-1]
    if len(word) > 4 and word.endswith("an"):
        word = word[:-1]
    return word


def entity_words(text: str) -> tuple[str, ...]:
    """Stems of the words of a name that must all be supported (connectors dropped)."""
    text = _POSSESSIVE.sub("", text)
    words = (m.group().casefold() for m in WORD.finditer(text))
    return tuple(stem(w) for w in words if w not in _CONNECTOR_WORDS)


def _sentence_start(text: str, index: int) -> bool:
    i = index - 1
    while i >= 0 and text[i] in _LEADING:
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _glued(text: str, start: int) -> bool:
    """A digit run that continues a word or a number: GPT-4, H2O, v1.2, .5, doc_3."""
    if not start:
        return False
    before = text[start - 1]
    if before.isalpha() or before in "._,":
        return True
    return before == "-" and start > 1 and text[start - 2].isalpha()


def extract_claims(
    text: str,
    skip: list[tuple[int, int]],
    *,
    small_integer_max: int = 10,
    numbers: bool = True,
    urls: bool = True,
    entities: bool = True,
    single_words: bool = False,
) -> list[Claim]:
    """Claims in `text` outside the `skip` spans (citations, code), in text order."""
    claims: list[Claim] = []
    taken = SpanSet(skip)  # spans claimed: a later match overlapping one is skipped
    for m in URL.finditer(text):
        url = trim_url(m.group())
        start, end = m.start(), m.start() + len(url)
        if taken.overlaps(start, end) or len(url) < 8:
            continue
        taken.add(start, end)
        if urls:
            claims.append(Claim("url", start, end, (url_key(url),)))
    if numbers:
        claims.extend(_numbers(text, taken, small_integer_max))
    if entities:
        claims.extend(_entities(text, taken, single_words))
    claims.sort(key=lambda c: c.start)
    return claims


def _numbers(text: str, taken: SpanSet, small_integer_max: int) -> Iterator[Claim]:
    for start, end, readings in month_dates(text):
        if not taken.overlaps(start, end):
            taken.add(start, end)
            yield Claim("date", start, end, readings)
    for m in DIGITS.finditer(text):
        run, start = m.group(1), m.start()
        if taken.overlaps(start, m.end()) or _glued(text, start):
            continue
        readings = numeric_date(run)
        if readings:
            taken.add(start, start + len(run))
            yield Claim("date", start, start + len(run), readings)
            continue
        currency = start > 0 and text[start - 1] in CURRENCY
        for r in read_run(m.groups(), start, m.end(), currency):  # type: ignore[arg-type]
            if not (r.plain and _small_integer(r.bare, small_integer_max)):
                yield Claim("number", r.start, r.suffix_end, (r.value,), r.significant)
        taken.add(start, m.end())


def _small_integer(value: NumberKey, limit: int) -> bool:
    return isinstance(value, Decimal) and value == value.to_integral_value() and value <= limit


def _entities(text: str, taken: SpanSet, single_words: bool) -> Iterator[Claim]:
    for m in ENTITY.finditer(text):
        words = [(w.start(), w.group()) for w in re.finditer(r"\S+", m.group())]
        first = 0  # drop leading words that open sentences ("The", "In")
        while first < len(words) and words[first][1].casefold() in _NOT_NAMES:
            first += 1
        words = words[first:]
        capitals = [w for w in words if w[1][0].isupper()]
        if not capitals:
            continue
        start = m.start() + words[0][0]
        end = m.start() + words[-1][0] + len(words[-1][1])
        if taken.overlaps(start, end):
            continue
        if len(capitals) < 2:
            opens_sentence = first == 0 and _sentence_start(text, start)
            if not single_words or len(capitals[0][1]) < 2 or opens_sentence:
                continue
        keys = entity_words(text[start:end])
        if keys:
            yield Claim("entity", start, end, (keys,))
