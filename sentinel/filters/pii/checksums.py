"""Check digits of identifiers, shared by the PII filter's recognizers and the label screen
(which must not import Presidio: the backbone's labels are screened without it)."""

from __future__ import annotations


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
