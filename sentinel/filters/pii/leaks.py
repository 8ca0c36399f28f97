"""Did the user supply this value? Compare normalised values, never raw ones in logs.

A finding in the output or in tool-call arguments is a leak unless its value also appears
in the user's own messages. Values are compared after normalisation: digits only for phone,
card and SSN numbers, found within one group of digits the user wrote (a phone number with
at least 7 digits may sit inside a longer one, so "+1 212 555 0100" and "(212) 555-0100"
agree), letters and digits upper-cased for IBANs, case-folded text for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from sentinel.filters.pii.config import Normalize

DIGIT_ENTITIES = frozenset({"PHONE_NUMBER", "CREDIT_CARD", "US_SSN"})
ALNUM_ENTITIES = frozenset({"IBAN_CODE"})
# A phone number with at least this many digits matches inside a longer digit group (written
# with or without its country code); shorter ones must match a whole group.
PHONE_SUFFIX_DIGITS = 7
# Digits that belong together in user text: digits joined by spaces and phone punctuation.
_DIGIT_GROUP = re.compile(r"[+(]?\d(?:[\d\s().\-/]*\d)?")
_NOT_DIGIT = re.compile(r"\D+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")


def normalize(value: str, how: Normalize) -> str:
    if how == "digits":
        return _NOT_DIGIT.sub("", value)
    if how == "alnum":
        return _NOT_ALNUM.sub("", value).upper()
    return _SPACES.sub(" ", value).strip().casefold()


def normalization(entity: str, custom: dict[str, Normalize]) -> Normalize:
    if entity in custom:
        return custom[entity]
    if entity in DIGIT_ENTITIES:
        return "digits"
    if entity in ALNUM_ENTITIES:
        return "alnum"
    return "text"


class UserValues:
    """The user's messages of one exchange, normalised lazily (only if a check needs it)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = list(texts)

    @cached_property
    def _digit_groups(self) -> list[str]:
        groups = (m.group() for t in self._texts for m in _DIGIT_GROUP.finditer(t))
        return [d for d in (normalize(g, "digits") for g in groups) if d]

    @cached_property
    def _alnum(self) -> str:
        return "\n".join(normalize(t, "alnum") for t in self._texts)

    @cached_property
    def _text(self) -> str:
        return "\n".join(normalize(t, "text") for t in self._texts)

    def supplied(self, entity: str, value: str, how: Normalize) -> bool:
        """True if `value` (an `entity` found elsewhere) appears in the user's messages."""
        wanted = normalize(value, how)
        if not wanted:
            return True
        if how == "digits":
            if entity == "PHONE_NUMBER":
                return any(_same_phone(wanted, group) for group in self._digit_groups)
            return any(wanted in group for group in self._digit_groups)
        if how == "alnum":
            return wanted in self._alnum
        return wanted in self._text


def _same_phone(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    if len(short) < PHONE_SUFFIX_DIGITS:
        return short == long
    return short in long
