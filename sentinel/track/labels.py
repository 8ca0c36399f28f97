"""Bounded label values: allow-lists, else the first N distinct values, then `other`; a
value that holds PII becomes `redacted`; and a budget on label combinations.

Per-label bounds alone still allow N^5 combinations (50 values per label made 114k series
and a 15 MB scrape); the `CombinationBudget` caps the distinct (service, endpoint, feature,
model, variant) tuples, and the characters they hold, so every metric family keyed by them
stays small whatever the input. Folded samples are counted, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from sentinel.rules.labels import LABEL_DIMENSIONS, LabelRules

OTHER = "other"
UNKNOWN = "unknown"  # the event did not say
REDACTED = "redacted"  # the value held PII: it never becomes a label or a verdict field
_MAX_LABEL_CHARS = 100  # longer values are never admitted
# `screen(value)` is True when the value may hold PII (wiring passes the PII gate's).
Screen = Callable[[str], bool]


class LabelBounder:
    """Maps raw values of one dimension to a bounded set. Only values not yet admitted are
    screened, and only while there is room: the screen runs a few hundred times per run."""

    def __init__(
        self, allowed: list[str] | None, max_values: int, screen: Screen | None = None
    ) -> None:
        self._fixed = allowed is not None
        self._admitted: set[str] = set(allowed or ())
        self._max_values = max_values
        self._screen = screen
        self.redacted = 0  # values replaced by `redacted`

    def __call__(self, value: str | None) -> str:
        if not value:
            return UNKNOWN
        if value in self._admitted:
            return value
        if self._fixed or len(self._admitted) >= self._max_values or len(value) > _MAX_LABEL_CHARS:
            return OTHER
        if self._screen is not None and self._screen(value):
            self.redacted += 1
            return REDACTED
        self._admitted.add(value)
        return value


class CombinationBudget:
    """Admits the first `max_combinations` distinct label tuples whose characters fit in
    `max_chars`; any other tuple folds into all-`other` (counted in `folded`)."""

    def __init__(self, max_combinations: int, max_chars: int) -> None:
        self.max_combinations = max_combinations
        self.max_chars = max_chars
        self.folded = 0  # samples (exchanges, feedback) folded into `other`
        self._admitted: set[tuple[str, ...]] = set()
        self._chars = 0

    def __call__(self, labels: tuple[str, ...]) -> tuple[str, ...]:
        if labels in self._admitted:
            return labels
        cost = sum(map(len, labels))
        if len(self._admitted) < self.max_combinations and self._chars + cost <= self.max_chars:
            self._admitted.add(labels)
            self._chars += cost
            return labels
        self.folded += 1
        return (OTHER,) * len(labels)

    @property
    def admitted(self) -> int:
        return len(self._admitted)


def bounders(rules: LabelRules, screen: Screen | None = None) -> dict[str, LabelBounder]:
    """One bounder per label dimension."""
    return {
        name: LabelBounder(getattr(rules.allow, name), rules.max_values_per_label, screen)
        for name in LABEL_DIMENSIONS
    }


def combination_budget(rules: LabelRules) -> CombinationBudget:
    return CombinationBudget(rules.max_combinations, rules.max_combination_chars)
