"""Drop results of Presidio's own recognizers whose surroundings say they are not PII.

sentinel's context-reading recognizers (`contextual.py`) reject non-PII shapes themselves;
Presidio's IP pattern and custom rules recognizers do not, so their results pass here:

- an IPv6 address that is a Python subscript (`l[1::3]`, `a[::2]`);
- an IPv4-looking dotted number after "version", "v", "release" (`version 1.17.2.7`);
- a custom recognizer's match written as a literal in code or data (`"ZIP": "12345"`),
  when its rule says `reject_code_literals`.
"""

from __future__ import annotations

from collections.abc import Collection

from presidio_analyzer import RecognizerResult

from sentinel.filters.pii.shapes import code_literal, number_shape, python_slice


def plausible(
    text: str, results: list[RecognizerResult], literal_entities: Collection[str] = ()
) -> list[RecognizerResult]:
    """The results that nothing around them rejects."""
    kept = []
    for result in results:
        start, end = result.start, result.end
        if result.entity_type == "IP_ADDRESS" and (
            python_slice(text, start, end) or number_shape(text, start, end) == "version"
        ):
            continue
        if result.entity_type in literal_entities and code_literal(text, start, end):
            continue
        kept.append(result)
    return kept
