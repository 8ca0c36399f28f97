"""Phone numbers: how few digits a valid number has, and which regions can match a cluster.

Presidio's `PhoneRecognizer` runs python-phonenumbers once per configured region, and each
pass parses every candidate (the dominant cost of Presidio's pattern recognizers). A pass
with default region R can accept a number only in one of three ways, each needing digits:

- national format: a number of R's country code, at least `national[R]` digits (the
  shortest number of any region sharing the code, less what R's national-prefix transform
  may add, e.g. Guernsey's `1481\\1`);
- written with a leading +: any country, at least `international` digits (country code
  included);
- written with R's international prefix (011, 00, ...): that prefix's digits as well.

So a digit cluster (see `gates.py`) is scanned only for the regions whose bound its digits
(and x, a possible vanity digit) reach; the other passes could not find anything in it.
Without a +, a number's national significant number is a run of the cluster's digits, and
a valid one matches the general pattern and a type pattern (fixed line, mobile, pager, ...)
of a region sharing R's country code; or the digits start with R's international prefix.
R's pass is skipped when no run of digits can be either. (Not when R's national-prefix
transform could add digits, nor when an x could be a vanity digit.)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

_UNITS = re.compile(r"[\dxXｘＸ]")  # Python's \d: every Unicode decimal digit
_DIGITS = re.compile(r"\d")
_X = frozenset("xXｘＸ")
_PLUS = frozenset("+＋")
_NON_GEO = "001"


def _metadata(region: str, code: int = 0) -> PhoneMetadata:
    md = (
        PhoneMetadata.metadata_for_nongeo_region(code)
        if region == _NON_GEO
        else PhoneMetadata.metadata_for_region(region)
    )
    if md is None:
        raise ValueError(f"phonenumbers has no metadata for {region} (+{code})")
    return md


def _min_length(md: PhoneMetadata) -> int:
    descs = [md.general_desc, md.fixed_line, md.mobile, md.toll_free, md.premium_rate]
    descs += [md.shared_cost, md.personal_number, md.voip, md.pager, md.uan, md.voicemail]
    return min(n for d in descs if d is not None for n in d.possible_length if n > 0)


def _added_digits(md: PhoneMetadata) -> int:
    """Digits a national-prefix transform may add (Guernsey's `1481\\1` adds 4)."""
    rule = md.national_prefix_transform_rule or ""
    return sum(c.isdigit() for c in re.sub(r"\\\d", "", rule))


def _shortest_prefix(pattern: str | None) -> int:
    """The fewest digits matching an international-prefix pattern (at least 1)."""
    if not pattern:
        return 99  # no international prefix: that path does not exist
    for length in range(1, 6):
        for digits in itertools.product("0123456789", repeat=length):
            if re.fullmatch(pattern, "".join(digits)):
                return length
    return 6


def _national(region: str) -> int:
    md = _metadata(region)
    code = int(md.country_code or 0)
    siblings = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
    main = _metadata(phonenumbers.region_code_for_country_code(code), code)
    shortest = min(_min_length(_metadata(r, code)) for r in siblings)
    return shortest - max(_added_digits(md), _added_digits(main))


def _international() -> int:
    counts = []
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        main = _metadata(phonenumbers.region_code_for_country_code(code), code)
        shortest = min(_min_length(_metadata(r, code)) for r in regions)
        counts.append(len(str(code)) + shortest - _added_digits(main))
    return min(counts)


@dataclass(frozen=True)
class _Patterns:
    """One region's validity patterns: general, and the types' by length (0: any length)."""

    general: re.Pattern[str]
    general_lengths: frozenset[int]
    types: dict[int, list[re.Pattern[str]]]

    def valid(self, digits: str) -> bool:
        """Could some run of `digits` be a valid national significant number here?"""
        size = len(digits)
        for length in range(1, size + 1):
            if self.general_lengths and length not in self.general_lengths:
                continue
            patterns = self.types.get(length, []) + self.types.get(0, [])
            for start in range(size - length + 1):
                end = start + length
                if self.general.fullmatch(digits, start, end) and any(
                    p.fullmatch(digits, start, end) for p in patterns
                ):
                    return True
        return False


def _patterns(md: PhoneMetadata) -> _Patterns:
    types: dict[int, list[re.Pattern[str]]] = {}
    for desc in (md.premium_rate, md.toll_free, md.shared_cost, md.voip, md.personal_number):
        _add(types, desc)
    for desc in (md.pager, md.uan, md.voicemail, md.fixed_line, md.mobile):
        _add(types, desc)
    general = md.general_desc  # without one, no number of the region is valid
    return _Patterns(
        re.compile(general.national_number_pattern or "(?!)" if general else "(?!)"),
        frozenset(general.possible_length or () if general else ()),
        types,
    )


def _add(types: dict[int, list[re.Pattern[str]]], desc: Any) -> None:
    if desc is None or not desc.national_number_pattern:
        return
    pattern = re.compile(desc.national_number_pattern)
    for length in desc.possible_length or (0,):
        types.setdefault(length, []).append(pattern)


class PhoneBounds:
    """Digit bounds for a set of regions, and the regions a cluster needs."""

    def __init__(self, regions: Iterable[str]) -> None:
        self.regions = tuple(regions)
        self.international = _international()
        self.national = {r: _national(r) for r in self.regions}
        self.with_prefix = {
            r: self.international + _shortest_prefix(_metadata(r).international_prefix)
            for r in self.regions
        }
        self._prefixes = {
            r: re.compile(p) if (p := _metadata(r).international_prefix) else None
            for r in self.regions
        }
        self.patterns: dict[str, list[_Patterns] | None] = {}
        for region in self.regions:
            md = _metadata(region)
            code = int(md.country_code or 0)
            main = _metadata(phonenumbers.region_code_for_country_code(code), code)
            siblings = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
            transforms = (
                _added_digits(md) or _added_digits(main) or md.national_prefix_transform_rule
            )
            self.patterns[region] = (
                None if transforms else [_patterns(_metadata(r, code)) for r in siblings]
            )

    def min_units(self) -> int:
        """The fewest digits (or x) of any number some region's pass accepts."""
        return max(1, min(self.international, *self.national.values()))

    def needed(self, lead: str, cluster: str) -> tuple[str, ...]:
        """Regions whose pass can find a number in `cluster` (`lead`: the text before it)."""
        units = _UNITS.findall(cluster)
        count = len(units)
        plus = not _PLUS.isdisjoint(lead)
        vanity = not _X.isdisjoint(units)
        digits = ""
        needed = []
        for r in self.regions:
            national = count >= self.national[r]
            prefixed = count >= self.with_prefix[r]
            patterns = self.patterns[r]
            if plus and count >= self.international:
                needed.append(r)
            elif not (national or prefixed):
                continue
            elif vanity or patterns is None:
                needed.append(r)
            else:
                digits = digits or "".join(str(int(d)) for d in _DIGITS.findall(cluster))
                if (national and any(p.valid(digits) for p in patterns)) or (
                    prefixed and self._prefix_possible(r, digits)
                ):
                    needed.append(r)
        return tuple(needed)

    def _prefix_possible(self, region: str, digits: str) -> bool:
        """Could a run of `digits` start with the region's international prefix and still
        hold a country code and a number?"""
        prefix = self._prefixes[region]
        last = len(digits) - self.with_prefix[region]
        return prefix is not None and any(prefix.match(digits, i) for i in range(last + 1))


def analyze(
    recognizer: PhoneRecognizer, text: str, regions: Iterable[str]
) -> list[RecognizerResult]:
    """`PhoneRecognizer.analyze` restricted to `regions` (same results, fewer passes)."""
    results: list[RecognizerResult] = []
    leniency = int(recognizer.leniency if recognizer.leniency is not None else 1)
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
            # Presidio's own result builder (private, untyped): same score, span, metadata.
            result = recognizer._get_recognizer_result(match, text, region, None)  # type: ignore[no-untyped-call]
            results.append(result)
    return EntityRecognizer.remove_duplicates(results)
