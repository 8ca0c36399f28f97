"""A cheap screen for short identifiers (metric label values, verdict fields): may this
value hold PII?

The RE2 gate's set finds which recognizers could match in one linear pass; each fired
one is then confirmed with a strict check (an e-mail's domain, a card's Luhn sum, an
IBAN's mod-97, an address's octets), so model names such as `claude-3-5-sonnet-20241022`
or `qwen25-72b` stay labels. Phone numbers count only in international form (`+` and at
least 8 digits): date-stamped model names look like local numbers. The screen imports
no Presidio: it runs on labels, not on texts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from sentinel.filters.pii.checksums import luhn_valid
from sentinel.filters.pii.gates import SPECS, Gate, options

_MAX_MEM = 8 << 20
_EMAIL = r"[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+"
_DIGIT_RUN = r"\d(?:[ \-]?\d){12,18}"  # 13 to 19 digits, single separators
_SSN = r"(?:^|[^\d])\d{3}[- .]\d{2}[- .]\d{4}(?:[^\d]|$)"
_IBAN = r"[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}"
_IPV4 = r"(?:^|[^\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[^\d.]|$)"
_IPV6 = r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}"
_PHONE = r"\+\d(?:[ \-().]?\d){7,14}"


def _compile(pattern: str) -> Any:
    return re2.compile(pattern, options(_MAX_MEM))


class LabelScreen:
    """`screen(value)` is True when `value` may hold PII."""

    def __init__(self) -> None:
        self._gate = Gate(dict(SPECS))
        self._email = _compile(_EMAIL)
        self._digits = _compile(_DIGIT_RUN)
        self._ssn = _compile(_SSN)
        self._iban = _compile(_IBAN)
        self._ipv4 = _compile(_IPV4)
        self._ipv6 = _compile(_IPV6)
        self._phone = _compile(_PHONE)
        self._checks: dict[str, Callable[[str], bool]] = {
            "OfflineEmailRecognizer": lambda v: self._email.search(v) is not None,
            "CreditCardRecognizer": self._card,
            "Mastercard2SeriesRecognizer": self._card,
            "UsSsnRecognizer": lambda v: self._ssn.search(v) is not None,
            "IbanRecognizer": self._iban_valid,
            "IpRecognizer": self._ip,
        }

    def __call__(self, value: str) -> bool:
        if self._phone.search(value) is not None:
            return True
        return any(self._checks[key](value) for key in self._gate.fired(value))

    def _card(self, value: str) -> bool:
        for match in self._digits.finditer(value):
            digits = "".join(c for c in match.group(0) if c.isdigit())
            if luhn_valid(digits):
                return True
        return False

    def _iban_valid(self, value: str) -> bool:
        for match in self._iban.finditer(value):
            text = match.group(0).replace(" ", "").upper()
            moved = text[4:] + text[:4]
            number = "".join(str(int(c, 36)) for c in moved)
            if int(number) % 97 == 1:
                return True
        return False

    def _ip(self, value: str) -> bool:
        for match in self._ipv4.finditer(value):
            if all(int(octet) <= 255 for octet in match.groups()):
                return True
        return any(m.group(0).count(":") >= 3 for m in self._ipv6.finditer(value))
