"""Numbers and dates in text, read the same way in outputs and in support texts.

`1,200` and `1200` are one value, `12%` and `12 percent` one value, `1.2 million` is
1,200,000, and `5 March 2024`, `March 5, 2024`, `2024-03-05` and `05.03.2024` are one date.
Every pattern starts with a digit or a literal month name, which Python's engine scans fast
on multi-megabyte contexts, and none nests quantifiers over the same characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# A value (int and Decimal compare and hash alike), or the literal of a token that is no
# plain number (1.2.3).
NumberKey = Decimal | int | str
DateKey = tuple[int | None, int, int | None]  # (year, month, day); year or day may be unknown

# A digit run: a number with separators (1,200  3.50), a numeric date or a range
# (2024-03-05  03/05/2024  1990-1995), then an optional percent and scale.
DIGITS = re.compile(
    r"(\d(?:[\d,./-]*\d)?)"
    r"(\s?(?:%|percent\b|per cent\b|pct\b))?"
    r"(?:\s?(thousand|million|billion|trillion|mn|bn|tn)\b|([kKmMbB])\b)?"
)
_NUMERIC_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})/(\d{1,2})/(\d{1,2})|(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})"
)
_PARTS = re.compile(r"[^-/]+")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_SCALES = {"thousand": 3, "k": 3, "million": 6, "mn": 6, "m": 6}
_SCALES |= {"billion": 9, "bn": 9, "b": 9, "trillion": 12, "tn": 12}
CURRENCY = "$€£¥₹"

# Month names as English writes them (capitalised), then the day and year around them:
# 5 March 2024, 5th of March, 2024, March 5, 2024, Mar 2024, March 5.
MONTH = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"(?:uary|ruary|ch|il|e|y|ust|tember|t|ober|ember)?\b"
)
_AFTER_MONTH = re.compile(
    r"\.?,?[ \t]+(?:(\d{1,2})(?:st|nd|rd|th)?(?:,?[ \t]+(\d{4}))?(?![\d:%])|(\d{4})(?!\d))"
)
_DAY_BEFORE = re.compile(r"(?<![\d.,])(\d{1,2})(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?$")
_YEAR_AFTER = re.compile(r"\.?,?[ \t]+(\d{4})(?!\d)")
MONTH_NAMES = (
    ("jan", "january"),
    ("feb", "february"),
    ("mar", "march"),
    ("apr", "april"),
    ("may",),
    ("jun", "june"),
    ("jul", "july"),
    ("aug", "august"),
    ("sep", "sept", "september"),
    ("oct", "october"),
    ("nov", "november"),
    ("dec", "december"),
)
_MONTHS = {name: number for number, names in enumerate(MONTH_NAMES, 1) for name in names}


@dataclass(frozen=True, slots=True)
class NumberRead:
    """One number of a digit run: span, value (scaled), value as written, precision."""

    start: int
    end: int
    value: NumberKey
    bare: NumberKey
    significant: int
    suffix_end: int  # end of the percent or scale after the number, else `end`
    plain: bool  # no percent, scale or currency: a bare count or list marker


def parse_number(literal: str) -> NumberKey:
    """`1,200` -> 1200, `3.50` -> 3.50; a token that is no plain number stays its literal."""
    if "," in literal:
        if not _THOUSANDS.fullmatch(literal):
            return literal
        literal = literal.replace(",", "")
    if literal.count(".") > 1:
        return literal
    try:
        return Decimal(literal)
    except InvalidOperation:
        return literal


def significant_digits(literal: str) -> int:
    """Digits that carry precision: `1,200` has 2, `3.50` has 3, `0.05` has 1."""
    digits = literal.replace(",", "")
    if "." in digits:
        return len(digits.replace(".", "").lstrip("0")) or 1
    return len(digits.lstrip("0").rstrip("0")) or 1


def round_significant(value: Decimal, digits: int) -> Decimal:
    if not value or not value.is_finite():
        return value
    return value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1), ROUND_HALF_UP)


def numeric_date(run: str) -> tuple[DateKey, ...]:
    """Valid readings of 2024-03-05, 2024/03/05 or 03/05/2024 (month/day or day/month)."""
    m = _NUMERIC_DATE.fullmatch(run)
    if m is None:
        return ()
    g = m.groups()
    readings: list[DateKey]
    if g[0]:
        readings = [(int(g[0]), int(g[1]), int(g[2]))]
    elif g[3]:
        readings = [(int(g[3]), int(g[4]), int(g[5]))]
    else:
        year = int(g[8])
        if len(g[8]) == 2:
            year += 2000 if year < 50 else 1900
        a, b = int(g[6]), int(g[7])
        readings = [(year, a, b), (year, b, a)]
    return _valid(readings)


def _valid(readings: list[DateKey]) -> tuple[DateKey, ...]:
    ok = {r for r in readings if 1 <= r[1] <= 12 and (r[2] is None or 1 <= r[2] <= 31)}
    return tuple(sorted(ok, key=repr))


def read_run(
    groups: tuple[str, str | None, str | None, str | None],
    start: int,
    match_end: int,
    currency: bool,
) -> list[NumberRead]:
    """The numbers of a DIGITS match (`1990-1995` holds two); the scale applies to the last."""
    run, percent, word, letter = groups
    parts = list(_PARTS.finditer(run))
    reads: list[NumberRead] = []
    for i, part in enumerate(parts):
        literal = part.group()
        last = i == len(parts) - 1
        exponent = 0
        if last and word:
            exponent = _SCALES[word.lower()]
        elif last and letter and currency:  # 5M alone may be metres; $5M is money
            exponent = _SCALES[letter.lower()]
        bare = parse_number(literal)
        value = bare.scaleb(exponent) if exponent and isinstance(bare, Decimal) else bare
        suffix = last and bool(percent or exponent)
        plain = not (suffix or currency)
        end = start + part.end()
        significant = significant_digits(literal)
        suffix_end = match_end if suffix else end
        reads.append(
            NumberRead(start + part.start(), end, value, bare, significant, suffix_end, plain)
        )
    return reads


def run_values(groups: tuple[str, str | None, str | None, str | None]) -> list[NumberKey]:
    """Every value a digit run may mean, for the support side: each part as written, and
    the last one scaled (both readings of 5M: metres or million). No spans: fast."""
    run, _percent, word, letter = groups
    if run.isdigit():
        values: list[NumberKey] = [int(run)]
    else:
        values = [parse_number(p) for p in _PARTS.findall(run)]
    scale = word or letter
    last = values[-1]
    if scale and not isinstance(last, str):
        values.append(Decimal(last).scaleb(_SCALES[scale.lower()]))
    return values


def month_dates(text: str) -> Iterator[tuple[int, int, tuple[DateKey, ...]]]:
    """Dates written with a month name: (start, end, readings)."""
    for m in MONTH.finditer(text):
        start, end = m.start(), m.end()
        if start and text[start - 1].isalpha():
            continue
        month = _MONTHS.get(m.group().lower())
        if month is None:
            continue
        year: int | None = None
        day: int | None = None
        after = _AFTER_MONTH.match(text, end)
        before = _DAY_BEFORE.search(text, max(0, start - 12), start)
        if after is not None and after.group(1) and not before:  # March 5[, 2024]
            day = int(after.group(1))
            year = int(after.group(2)) if after.group(2) else None
            end = after.end()
        elif before is not None:  # 5 March[, 2024]
            day = int(before.group(1))
            start = before.start()
            tail = _YEAR_AFTER.match(text, end)
            if tail is not None:
                year, end = int(tail.group(1)), tail.end()
        elif after is not None and after.group(3):  # March 2024
            year, end = int(after.group(3)), after.end()
        if year is None and day is None:
            continue  # a month alone ("in March") states no date
        readings = _valid([(year, month, day)])
        if readings:
            yield start, end, readings
