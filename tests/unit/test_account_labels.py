"""The accountant's memo of raw identity → labels gives what bounding every time gives."""

from __future__ import annotations

import random

from sentinel.filters.pii.screen import LabelScreen
from sentinel.rules.pricing import PricingRules
from sentinel.track.account import Accountant
from sentinel.track.cost import CostModel
from sentinel.track.labels import REDACTED, CombinationBudget, LabelBounder
from sentinel.values import Labels

DIMENSIONS = ("service", "endpoint", "feature", "model", "variant")
# Label values as inputs send them: repeats, PII the screen catches, too long, empty.
VALUES = [
    *(f"v{i}" for i in range(12)),
    "alice@example.com",
    "4111 1111 1111 1111",
    "x" * 150,
    "",
    None,
]


SCREEN = LabelScreen()


def _accountant(max_values: int, combinations: int, chars: int) -> Accountant:
    bounders = {
        name: LabelBounder(["v0", "v1"] if name == "variant" else None, max_values, SCREEN)
        for name in DIMENSIONS
    }
    pricing = PricingRules.model_validate(
        {"version": "sentinel/v1", "kind": "pricing", "models": []}
    )
    return Accountant(CostModel(pricing), bounders, CombinationBudget(combinations, chars))


def _counters(accountant: Accountant) -> tuple[int, ...]:
    budget = accountant.budget
    assert budget is not None
    bounders = (
        accountant._service,
        accountant._endpoint,
        accountant._feature,
        accountant._model,
        accountant._variant,
    )
    return (budget.folded, budget.admitted, *(b.redacted for b in bounders))


def test_memoised_labels_equal_bounding_every_time_with_the_same_counts() -> None:
    """On a random stream that redacts, overflows the bounders and folds past the budget,
    `labels()` (memo) returns what `_bound()` on every call returns, and every counter of
    redacted values, folded samples and admitted combinations ends equal."""
    rng = random.Random(11)
    stream = [tuple(rng.choice(VALUES) for _ in DIMENSIONS) for _ in range(20_000)]
    redacted = False
    for max_values, combinations, chars in ((6, 40, 10_000), (50, 2_000, 400), (3, 5, 60)):
        memo, every_time = (
            _accountant(max_values, combinations, chars),
            _accountant(max_values, combinations, chars),
        )
        got = [memo.labels(*raw) for raw in stream]
        want = [every_time._bound(raw) for raw in stream]
        assert got == want
        assert all(isinstance(labels, Labels) for labels in got)
        assert _counters(memo) == _counters(every_time)
        assert memo.budget is not None and memo.budget.folded, "the stream folds"
        assert memo._known, "the memo was used"
        redacted = redacted or any(REDACTED in labels for labels in got)
        assert not any(REDACTED in labels for labels in memo._known.values()), (
            "a redacted value is bounded every time (it may turn `other` later)"
        )
    assert redacted, "the stream redacts"


def test_a_full_memo_starts_over_and_stays_exact() -> None:
    """Past its bound the memo is cleared, and labels stay those of the slow path."""
    import sentinel.track.account as account

    memo, every_time = _accountant(1_000, 100_000, 10**7), _accountant(1_000, 100_000, 10**7)
    bound, account._KNOWN_MAX = account._KNOWN_MAX, 50
    try:
        stream = [(f"s{i % 300}", "e", "f", "m", "v0") for i in range(3_000)]
        assert [memo.labels(*raw) for raw in stream] == [every_time._bound(r) for r in stream]
        assert len(memo._known) <= 50
    finally:
        account._KNOWN_MAX = bound
