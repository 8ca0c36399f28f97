"""One span, one entity: a phone number inside a card, SSN, IBAN, IP address or driver's
licence is not one, nor is an SSN-shaped driver's licence number an SSN.

Presidio resolves overlaps within an entity type only, so a 16-digit card number or a
dotted IP address is also reported as a PHONE_NUMBER (python-phonenumbers accepts many digit
strings). The checksum- or structure-validated entity wins.
"""

from __future__ import annotations

from presidio_analyzer import RecognizerResult

from sentinel.filters.spans import Covers

YIELDS_TO: dict[str, frozenset[str]] = {
    "PHONE_NUMBER": frozenset(
        {"CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS", "US_DRIVER_LICENSE"}
    ),
    "US_SSN": frozenset({"US_DRIVER_LICENSE"}),
}


def resolve(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Drop results contained in a result of an entity they yield to (in O(n log n):
    asking every other result made a text dense in phone-like digits quadratic)."""
    covers: dict[str, Covers] = {}
    kept = []
    for result in results:
        stronger = YIELDS_TO.get(result.entity_type)
        if stronger:
            cover = covers.get(result.entity_type)
            if cover is None:
                cover = covers[result.entity_type] = Covers(
                    (r.start, r.end) for r in results if r.entity_type in stronger
                )
            if cover.contains(result.start, result.end):
                continue
        kept.append(result)
    return kept
