"""Bounded label values: allow-lists, else the first N distinct values, then `other`."""

from __future__ import annotations

from sentinel.rules.labels import LABEL_DIMENSIONS, LabelRules

OTHER = "other"
UNKNOWN = "unknown"  # the event did not say
_MAX_LABEL_CHARS = 100  # longer values are never admitted


class LabelBounder:
    """Maps raw values of one dimension to a bounded set."""

    def __init__(self, allowed: list[str] | None, max_values: int) -> None:
        self._fixed = allowed is not None
        self._admitted: set[str] = set(allowed or ())
        self._max_values = max_values

    def __call__(self, value: str | None) -> str:
        if not value:
            return UNKNOWN
        if value in self._admitted:
            return value
        if self._fixed or len(self._admitted) >= self._max_values or len(value) > _MAX_LABEL_CHARS:
            return OTHER
        self._admitted.add(value)
        return value


def bounders(rules: LabelRules) -> dict[str, LabelBounder]:
    """One bounder per label dimension."""
    return {
        name: LabelBounder(getattr(rules.allow, name), rules.max_values_per_label)
        for name in LABEL_DIMENSIONS
    }
