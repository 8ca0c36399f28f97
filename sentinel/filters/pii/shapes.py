"""Number shapes that are not personal data, read from the characters around a match.

A run of digits that a phone, SSN or ZIP pattern accepts is often something else: a range
with a unit ("3000-4000 words", "16-43 months"), a price or a decimal ("$16.99", "16.99"),
a date ("06-04-2020"), a version ("v1.17.2"), an order or ticket id ("ORD-354733"), a
Python slice read as an IPv6 address (`l[1::3]`), or a literal in code (`"ZIP": "12345"`).
Each predicate looks only at a few characters on either side of the span (constant work per
match, so a scan stays linear) and says why the span is not PII, or None.
"""

from __future__ import annotations

import re
from datetime import date

# Words after a number that make it a quantity (checked case-folded, plural or not).
UNITS = frozenset(
    (
        *("word", "page", "line", "char", "character", "token", "item", "step", "row"),
        *("second", "sec", "minute", "min", "hour", "hr", "day", "week", "month", "year"),
        *("yr", "ms", "km", "m", "cm", "mm", "mi", "mile", "ft", "feet", "inch", "kg", "g"),
        *("lb", "lbs", "ton", "tonne", "mb", "gb", "kb", "tb", "hz", "mhz", "ghz", "kw", "w"),
        *("usd", "eur", "gbp", "dollar", "euro", "pound", "cent", "percent", "%"),
        *("people", "user", "student", "employee", "participant", "respondent", "point"),
        *("calorie", "kcal", "rep", "set", "degree", "°", "sample", "record", "share"),
        *("copy", "unit", "piece", "pc", "pcs", "ml", "l", "liter", "litre", "gallon"),
    )
)
CURRENCY = frozenset("$€£¥₹₽₩¢")
_RANGE_WORDS = ("between", "from", "range", "ranges", "ranging", "around", "about", "approx")
_VERSION_WORDS = ("version", "ver", "release", "v", "python", "rev", "patch")
# Words before a number that make it an id or part of an address, not a phone or an SSN.
_ID_WORDS = frozenset(
    (
        *("sku", "order", "ticket", "invoice", "inv", "ref", "reference", "case", "build"),
        *("isbn", "serial", "part", "model", "item", "tracking", "flight", "issue", "pr"),
        *("apt", "suite", "unit", "room", "box", "floor", "lot", "batch", "job", "run"),
    )
)
# Escapes written out in JSON-encoded text ("Phone:\\n0699 ...") separate words.
_ESCAPES = ("\\n", "\\t", "\\r")
_WORD = re.compile(r"[^\W\d_]+|%|°")
_DATE_PARTS = re.compile(r"(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})")
_ONLY_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
# A date at the start of a value, valid or not ("2003-05-31 09", "04-0-2040" in a test).
_DATE_PREFIX = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}(?!\d)"
)
_DECIMAL = re.compile(r"\d+[.,]\d{1,2}")
_TWO_GROUP_DECIMAL = re.compile(r"\d+\.\d+")
_TWO_GROUP_RANGE = re.compile(r"\d+(?:[.,]\d+)?\s?[-–—]\s?\d+(?:[.,]\d+)?")


def _word_after(text: str, end: int) -> str:
    m = _WORD.match(text, _skip_spaces(text, end))
    return m.group().casefold() if m else ""


def _word_before(text: str, start: int) -> str:
    """The word just before `start`, across spaces and one `.`, `:` or `#` ("Apt. 12")."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i > 0 and text[i - 1] in ".:#":
        i -= 1
    j = i
    while j > 0 and (text[j - 1].isalpha()):
        j -= 1
    return text[j:i].casefold()


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\u00a0":
        i += 1
    return i


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 2 and word.endswith("s") else word


def is_unit(word: str) -> bool:
    return word in UNITS or _singular(word) in UNITS


def _valid_date(a: str, b: str, c: str) -> bool:
    """Day-month-year, month-day-year or year-month-day with a plausible year."""
    x, y, z = int(a), int(b), int(c)
    candidates = []
    if len(a) == 4:
        candidates.append((x, y, z))
    if len(c) in (2, 4):
        year = z if len(c) == 4 else 2000 + z
        candidates += [(year, y, x), (year, x, y)]
    for year, month, day in candidates:
        if 1900 <= year <= 2100:
            try:
                date(year, month, day)
                return True
            except ValueError:
                continue
    return False


def number_shape(text: str, start: int, end: int) -> str | None:
    """Why the digits at [start, end) are a quantity, a date, a price, a version or an id,
    not a phone, SSN or account number; None when nothing says so."""
    value = text[start:end].strip()
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before in CURRENCY or (before == " " and start > 1 and text[start - 2] in CURRENCY):
        return "price"
    if _DECIMAL.fullmatch(value) or _TWO_GROUP_DECIMAL.fullmatch(value):
        return "decimal"
    if before == ":" and start > 1 and text[start - 2].isdigit():
        return "time"
    if _ONLY_DATE.fullmatch(value):
        m = _DATE_PARTS.fullmatch(value)
        if m and _valid_date(*m.groups()):
            return "date"
    if _DATE_PREFIX.match(value):
        return "date"
    escaped = text[max(0, start - 2) : start] in _ESCAPES
    if (before.isalpha() and not escaped) or before == "_":
        return "glued_to_word"
    if after.isalpha() and after not in "xX":
        return "glued_to_word"
    if before in "-#/" and start > 1 and (text[start - 2].isalnum()):
        return "id"
    if before == "." or (after == "." and end + 1 < len(text) and text[end + 1].isdigit()):
        return "version"
    word = _word_before(text, start - 2 if escaped else start)
    if word in _VERSION_WORDS:
        return "version"
    if word.rstrip(".") in _ID_WORDS:
        return "id"
    unit_after = is_unit(_word_after(text, end))
    if word in _RANGE_WORDS or (_TWO_GROUP_RANGE.fullmatch(value) and unit_after):
        return "range"
    if unit_after and not value.startswith("+"):
        return "quantity"
    return None


def python_slice(text: str, start: int, end: int) -> bool:
    """An IPv6-looking `1::3` or `::2` that is a subscript: `l[1::3]`, `a[::-1]`."""
    value = text[start:end]
    if "::" not in value or value.count(":") > 3:
        return False
    i = start
    while i > 0 and text[i - 1] in "0123456789-":
        i -= 1
    j = end
    while j < len(text) and text[j] in "0123456789-":
        j += 1
    return i > 0 and text[i - 1] == "[" and j < len(text) and text[j] == "]"


_KEY_LITERAL = re.compile(r"""["'][\w -]{1,40}["']\s*[:=]\s*["']?$""")
_ASSIGNMENT = re.compile(r"""\b[A-Za-z_]\w*\s*=\s*["']?$""")


def code_literal(text: str, start: int, end: int) -> bool:
    """A value written as a literal in code or data: `"ZIP": "12345"`, `zip="12345"`,
    `== "12345"`, `f("12345")`: quoted, after code punctuation, or a keyed value."""
    head = text[max(0, start - 48) : start]
    line = head.rsplit("\n", 1)[-1]
    if _KEY_LITERAL.search(line) or _ASSIGNMENT.search(line):
        return True
    quote = text[start - 1] if start > 0 else ""
    if quote in "\"'" and end < len(text) and text[end] == quote:
        opener = line[:-1].rstrip()[-1:]
        return opener in ("=", ":", "(", ",", "[", "{")
    return False
