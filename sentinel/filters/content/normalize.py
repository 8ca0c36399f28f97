"""Matching views of a text, and the map from view offsets back to the original text.

Three views, each computed once per field and only when a rule needs it, matched as UTF-8:

- `original`: the text as sent (secrets, links, invisible characters);
- `folded`: invisible and default-ignorable characters removed, Cyrillic/Greek look-alikes
  inside mixed-script words replaced by their Latin letter, then each character NFKC-folded
  and casefolded, Latin diacritics and combining marks on Latin letters stripped;
- `normalized`: `folded`, then letters spaced out by separators joined ("i g n o r e",
  "i.g.n.o.r.e"), punctuation inside words removed ("ign.ore", "don't"), leetspeak digits and
  symbols read as letters inside words that also hold letters (0→o, 1→i, 3→e, 4→a, 5→s, 7→t,
  @→a, $→s; "500mg" and "3rd" keep their digits), and `l` read as `i` ("1" and "l" alike).

NFKC is applied per character (canonical composition across characters is not needed once
marks on Latin letters are dropped). The `normalized` steps touch ASCII only, so they run on
bytes. Spans found in a view map back to the original through `OffsetMap`s; maps other than
the Unicode fold are built only when a finding has to be mapped through them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from itertools import islice
from typing import Any, Generic, TypeVar, overload

from mypy_extensions import mypyc_attr

from sentinel.filters.content.engine import DEFAULT_MAX_MEM, PatternSet, Regex
from sentinel.filters.content.offsets import OffsetMap, char_offsets, deletions

# Default-ignorable and format characters: zero-width, bidi controls, joiners, variation
# selectors, tag characters, fillers. Removed in `folded`; reported by the unicode detector.
INVISIBLE_CLASS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE_CHAR = re.compile(f"[{INVISIBLE_CLASS}]")
_INVISIBLE_RUN = re.compile(f"[{INVISIBLE_CLASS}]+")
INVISIBLE_GATE = Regex(f"[{INVISIBLE_CLASS}]")
# Latin letters with diacritics, and combining marks (stripped after a Latin letter).
_ACCENTS = (
    "\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
# Outside the BMP, only these blocks hold characters that NFKC changes and that a writer
# would use to dress up Latin text (math alphanumerics, enclosed letters, CJK compatibility).
_ASTRAL_BLOCKS = ((0x1D400, 0x1D800), (0x1F100, 0x1F300), (0x2F800, 0x2FA20))

# Cyrillic and Greek letters that look like a Latin letter (both cases).
CONFUSABLES: dict[str, str] = {
    **dict(zip("аеорсухіјѕһԁԛԝӏ", "aeopcyxijshdqwl", strict=True)),
    **dict(zip("АВЕКМНОРСТХУІЈЅ", "abekmhopctxyijs", strict=True)),
    **dict(zip("αοριντκυχ", "aopivtkux", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "abezhikmnoptyx", strict=True)),
}
_CONF = "".join(CONFUSABLES)
_CONF_TABLE = str.maketrans(CONFUSABLES)
_CONF_GATE = Regex(f"[{_CONF}]")
# A word (letters only) holding a Latin letter and a look-alike, in either order; RE2 keeps
# this linear even for one very long word.
_MIXED = Regex(f"[a-zA-Z]\\pL*[{_CONF}]|[{_CONF}]\\pL*[a-zA-Z]")
# Mixed-script words repaired (and reported) per text: past that a text is mostly
# look-alikes, already reported, and the work stays bounded.
MAX_MIXED_WORDS = 10_000

# Spaced-out letters: three or more single letters (or digits) with 1-3 separators.
_SPACED = Regex(r"\b[a-z0-9](?:[ .\-_*,/|+~]{1,3}[a-z0-9]\b){2,}")
_SEPARATORS = re.compile(rb"[ .\-_*,/|+~]+")
_PUNCTUATED_SEPARATORS = re.compile(rb" *[.\-_*,/|+~][ .\-_*,/|+~]*")
_BLANK = re.compile(rb"[a-z0-9] +[a-z0-9]")
_NOT_BLANK = re.compile(rb"[.\-_*,/|+~]")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789@$")
_IN_WORD = _WORD_BYTES | frozenset(b"'\x99")  # "t" in "don't" (or don’t) is not a lone letter
# Punctuation inside a word: "ign.ore", "don't", "e-mail" (one match covers "a.b.c").
_INNER_PUNCT = Regex(r"[a-z0-9@$](?:[.\-_*'`\x{2019}]+[a-z0-9@$])+")
_PUNCT = re.compile(rb"(?:[.\-_*'`]|\xe2\x80\x99)+")
# A run of letters and leet characters holding both a letter and a leet character.
_LEET_TOKEN = Regex(r"[a-z0-9@$]*(?:[a-z][0-9@$]|[0-9@$][a-z])[a-z0-9@$]*")
# A number with a unit keeps its digits ("500mg", "3rd", "10x", "64gb").
_NUMBER_UNIT = re.compile(
    rb"[0-9]*1st|[0-9]*2nd|[0-9]*3rd|[0-9]+th|[0-9]+(?:s|h|m|d|k|x|am|pm|mg|mcg|ml|g|kg|lb|lbs|"
    rb"oz|mm|cm|km|mi|ft|in|px|pt|em|b|kb|mb|gb|tb|hz|khz|mhz|ghz|v|w|kw|mah|min|hr|hrs|sec|ms|"
    rb"yr|yrs|iu|mmol|f|c|p)"
)
_LEET = bytes.maketrans(b"0134578@$", b"oieastbas")
# One pass over the folded bytes says which steps of the normalized view have work: most
# texts have no spaced letters and no leetspeak, many no punctuation inside a word.
_SPACED_STEP, _PUNCT_STEP, _LEET_STEP = 0, 1, 2
_STEPS = PatternSet(
    [_SPACED.pattern, _INNER_PUNCT.pattern, _LEET_TOKEN.pattern],
    max_mem=DEFAULT_MAX_MEM,
    ignore_case=False,
)


# --- the folded view ---------------------------------------------------------------------


@cache
def _special_gate() -> Regex:
    """Characters that folding changes beyond `str.lower()`: NFKC or casefold changes them,
    they are invisible, or they carry diacritics. Built on first use (tens of ms)."""
    ranges: list[list[int]] = []
    for low, high in ((0x80, 0xD800), (0xE000, 0x10000), *_ASTRAL_BLOCKS):
        for cp in range(low, high):
            c = chr(cp)
            if unicodedata.normalize("NFKC", c) != c or c.casefold() != c.lower():
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1][1] = cp
                else:
                    ranges.append([cp, cp])
    listed = "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)
    return Regex(f"[{listed}{INVISIBLE_CLASS}{_ACCENTS}\u0130]+")


@cache
def _fold_char(c: str) -> str:
    """One character folded: NFKC, Latin diacritics stripped, casefolded."""
    if _INVISIBLE_CHAR.match(c):
        return ""
    folded = unicodedata.normalize("NFKC", c)
    decomposed = unicodedata.normalize("NFD", folded)
    if decomposed and decomposed[0] < "\u0250":  # Latin base: drop the combining marks
        folded = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return folded.casefold()


def fold_pattern(pattern: str) -> str:
    """A pattern written with accented letters ("für", "résume") as it must be to match the
    folded view, where diacritics are gone: each non-ASCII letter folded like the text."""
    return "".join(_fold_char(c) if ord(c) > 127 and c.isalpha() else c for c in pattern)


@cache
def _is_mark(c: str) -> bool:
    return unicodedata.category(c) == "Mn"


def mixed_script_words(text: str, data: bytes | None = None) -> list[tuple[int, int]]:
    """Spans of words mixing Latin letters with Cyrillic/Greek look-alikes ("pаypal");
    `data` is the text's UTF-8, when already encoded."""
    if text.isascii():
        return []
    if not _CONF_GATE.search(data if data is not None else text.encode("utf-8", "surrogatepass")):
        return []
    words: list[tuple[int, int]] = []
    size = len(text)
    for start, end in _MIXED.text_spans(text):
        if len(words) >= MAX_MIXED_WORDS:
            break
        if words and start < words[-1][1]:
            continue  # another mixed pair inside the word already found
        while start > 0 and text[start - 1].isalpha():
            start -= 1
        while end < size and text[end].isalpha():
            end += 1
        words.append((start, end))
    return words


def _repair_confusables(text: str, words: list[tuple[int, int]]) -> str:
    if not words:
        return text
    pieces, pos = [], 0
    for start, end in words:
        pieces += [text[pos:start], text[start:end].translate(_CONF_TABLE)]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _fold_stage(text: str, data: bytes) -> tuple[str, OffsetMap | None]:
    """Lowercase, then NFKC, casefold and Latin diacritics stripped on the characters that
    need it; the map is None when every character kept its length (the common case).
    `data` is `text` in UTF-8 (the gate runs on bytes)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowercases to two characters: fold it below
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    byte_spans = list(_special_gate().spans(data))
    if not byte_spans:
        return lowered, None
    table = char_offsets(data, [o for span in byte_spans for o in span])
    spans = [(table[s], table[e]) for s, e in byte_spans]
    offsets = OffsetMap()
    offsets.linear(0, 0)
    changed = False
    pieces: list[str] = []
    pos = shift = 0
    for start, end in spans:
        pieces.append(lowered[pos:start])
        last = lowered[start - 1] if start else " "
        folded: list[str] = []
        for c in text[start:end]:
            piece = "" if _is_mark(c) and last < "\u0250" else _fold_char(c)
            folded.append(piece)  # a mark on a Latin letter goes (accents, "zalgo" text)
            if piece:
                last = piece[-1]
        if any(len(piece) != 1 for piece in folded):
            changed = True
            out = start + shift
            for i, piece in enumerate(folded, start):
                if len(piece) == 1:
                    offsets.linear(out, i)
                elif piece:
                    offsets.constant(out, i)
                out += len(piece)
            offsets.linear(out, end)
            shift = out - end
        pieces += folded
        pos = end
    pieces.append(lowered[pos:])
    return "".join(pieces), (offsets if changed else None)


# --- the normalized view (ASCII work, on bytes) --------------------------------------------


def _remove_in_spans(
    data: bytes, spans: list[tuple[int, int]], pattern: re.Pattern[bytes]
) -> bytes:
    """`data` with what `pattern` matches removed inside the (sorted) spans."""
    if not spans:
        return data
    pieces, pos = [], 0
    for start, end in spans:
        pieces += [data[pos:start], pattern.sub(b"", data[start:end])]
        pos = end
    pieces.append(data[pos:])
    return b"".join(pieces)


def _separator_pattern(run: bytes) -> re.Pattern[bytes]:
    """What to delete in a spaced-out run. When it spaces its letters with punctuation
    ("i.g.n.o.r.e a.l.l"), its blanks are word breaks and stay."""
    if _BLANK.search(run) and _NOT_BLANK.search(run):
        return _PUNCTUATED_SEPARATORS
    return _SEPARATORS


def _spaced_runs(data: bytes) -> list[tuple[int, int]]:
    """Spans of three or more single letters separated by spaces or punctuation."""
    if not _SPACED.search(data):
        return []
    runs: list[tuple[int, int]] = []
    for start, end in _SPACED.spans(data):
        if start > 0 and data[start - 1] in _IN_WORD:
            start += 1  # the first "single" letter ends a longer word: skip it
            while start < end and data[start] not in _WORD_BYTES:
                start += 1
        if len(list(islice(_SEPARATORS.finditer(data, start, end), 2))) == 2:
            runs.append((start, end))  # still three letters or more
    return runs


def _leet_token(token: bytes) -> bytes:
    return token if _NUMBER_UNIT.fullmatch(token) else token.translate(_LEET)


def _unleet(data: bytes, search: bool = True) -> bytes:
    """Leetspeak read as letters; `search=False`: the caller knows a token is there."""
    if search and not _LEET_TOKEN.search(data):
        return data
    pieces, pos = [], 0
    for start, end in _LEET_TOKEN.spans(data):
        pieces += [data[pos:start], _leet_token(data[start:end])]
        pos = end
    pieces.append(data[pos:])
    return b"".join(pieces)


def normalize_text(text: str) -> str:
    """The `normalized` view of `text` (no offsets): used for term lists at build time."""
    return TextViews(text).normalized


_T = TypeVar("_T")


class _once(Generic[_T]):  # lower case: used as a decorator, like cached_property
    """A view computed on first use and kept in the instance: `functools.cached_property`
    without its per-instance lock (Python 3.11 takes one on every first use; a TextViews
    belongs to one scan, never shared between threads)."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self._func = func
        self._name = getattr(func, "__name__", "")  # set again by __set_name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> _T | _once[_T]:
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._func(instance)
        return value


# A plain class in the compiled build as well: `_once` keeps views in the instance dict.
@mypyc_attr(native_class=False)
class TextViews:
    """The views of one text, each built on first use, and span mapping back to it.

    Maps are chained: normalized → (punctuation removed) → (spaced letters joined) → folded
    bytes → folded characters → (Unicode folding) → (invisible characters removed) →
    original."""

    def __init__(self, text: str, prescreen: bool = True) -> None:
        self.original = text
        self._prescreen = prescreen  # False: every step of the normalized view looks itself

    @_once
    def original_bytes(self) -> bytes:
        return self.original.encode("utf-8", "surrogatepass")

    @_once
    def mixed_words(self) -> list[tuple[int, int]]:
        if self.original.isascii():
            return []
        return mixed_script_words(self.original, self.original_bytes)

    @_once
    def _repaired(self) -> str:
        """Original with look-alikes in mixed-script words replaced (same length)."""
        return _repair_confusables(self.original, self.mixed_words)

    @_once
    def has_invisible(self) -> bool:
        return not self.original.isascii() and INVISIBLE_GATE.search(self.original_bytes)

    @_once
    def _stripped(self) -> str:
        """`_repaired` without invisible characters."""
        if not self.has_invisible:
            return self._repaired
        return _INVISIBLE_RUN.sub("", self._repaired)

    @_once
    def _folded(self) -> tuple[str, OffsetMap | None]:
        if self.original.isascii():
            return self.original.lower(), None
        stripped = self._stripped
        if stripped is self.original:
            return _fold_stage(stripped, self.original_bytes)
        return _fold_stage(stripped, stripped.encode("utf-8", "surrogatepass"))

    @property
    def folded(self) -> str:
        return self._folded[0]

    @_once
    def folded_bytes(self) -> bytes:
        if self.original.isascii():  # folding ASCII is lowercasing it
            return self.original_bytes.lower()
        return self.folded.encode("utf-8", "surrogatepass")

    @_once
    def _steps(self) -> tuple[bool, bool, bool]:
        """(spaced letters, punctuation inside a word, leet token) found in the folded bytes
        by one set pass; all True without the prescreen (or when the set overflowed)."""
        found = _STEPS.match(self.folded_bytes) if self._prescreen else None
        if found is None:
            return True, True, True
        return _SPACED_STEP in found, _PUNCT_STEP in found, _LEET_STEP in found

    @_once
    def _spaced(self) -> list[tuple[int, int]]:
        return _spaced_runs(self.folded_bytes) if self._steps[0] else []

    @_once
    def _joined(self) -> bytes:
        data = self.folded_bytes
        if not self._spaced:
            return data
        pieces, pos = [], 0
        for start, end in self._spaced:
            run = data[start:end]
            pieces += [data[pos:start], _separator_pattern(run).sub(b"", run)]
            pos = end
        pieces.append(data[pos:])
        return b"".join(pieces)

    @_once
    def _inner_punctuation(self) -> list[tuple[int, int]]:
        # Joining spaced letters deletes separators inside the runs only, and their first and
        # last bytes stay: punctuation inside a word of the joined bytes is in the folded ones.
        return list(_INNER_PUNCT.spans(self._joined)) if self._steps[1] else []

    @_once
    def normalized_bytes(self) -> bytes:
        unpunctuated = _remove_in_spans(self._joined, self._inner_punctuation, _PUNCT)
        if unpunctuated is self.folded_bytes:  # nothing joined or removed: the prescreen knows
            if not self._steps[2]:
                return unpunctuated.replace(b"l", b"i")
            return _unleet(unpunctuated, search=False).replace(b"l", b"i")
        return _unleet(unpunctuated).replace(b"l", b"i")

    @property
    def normalized(self) -> str:
        return self.normalized_bytes.decode("utf-8", "surrogatepass")

    def encoded(self, view: str) -> bytes:
        """The UTF-8 bytes of `view` (what RE2 matches)."""
        if view == "normalized":
            return self.normalized_bytes
        return self.folded_bytes if view == "folded" else self.original_bytes

    @_once
    def _byte_maps(self) -> list[OffsetMap]:
        """normalized bytes → folded bytes (deletions only)."""
        maps: list[OffsetMap] = []
        inner = [
            m.span()
            for start, end in self._inner_punctuation
            for m in _PUNCT.finditer(self._joined, start, end)
        ]
        if inner:
            maps.append(deletions(inner))
        if self._spaced:
            data = self.folded_bytes
            separators = [
                m.span()
                for start, end in self._spaced
                for m in _separator_pattern(data[start:end]).finditer(data, start, end)
            ]
            maps.append(deletions(separators))
        return maps

    @_once
    def _char_maps(self) -> list[OffsetMap]:
        """folded characters → original characters."""
        maps: list[OffsetMap] = []
        if self._folded[1] is not None:
            maps.append(self._folded[1])
        if self.has_invisible:
            maps.append(deletions([m.span() for m in _INVISIBLE_RUN.finditer(self._repaired)]))
        return maps

    def to_original(self, view: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Byte spans of `view` → character spans of the original text."""
        if view == "normalized":
            for offsets in self._byte_maps:
                spans = [offsets.span(s, e) for s, e in spans]
        data = self.original_bytes if view == "original" else self.folded_bytes
        if not data.isascii():
            table = char_offsets(data, [o for span in spans for o in span])
            spans = [(table[s], table[e]) for s, e in spans]
        if view != "original":
            for offsets in self._char_maps:
                spans = [offsets.span(s, e) for s, e in spans]
        return spans
