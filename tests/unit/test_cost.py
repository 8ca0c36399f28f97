"""Cost: cached and cache-write tokens priced separately, never counted twice."""

from __future__ import annotations

import pytest

from sentinel.events.model import Usage
from sentinel.rules.pricing import PricingRules
from sentinel.track.cost import CostModel, split_tokens

PRICING = PricingRules.model_validate(
    {
        "version": "sentinel/v1",
        "kind": "pricing",
        "models": [
            {
                "model": "mid",
                "match": ["mid-2026-*"],
                "input": 0.40,
                "output": 1.60,
                "cache_read": 0.10,
                "cache_write": 0.40,
            },
            {
                "model": "anthropic-style",
                "input": 3.0,
                "output": 15.0,
                "cache_read": 0.30,
                "cache_write": 3.75,
                "input_includes_cached": False,
            },
            {"model": "no-cache-prices", "input": 1.0, "output": 2.0},
        ],
    }
)


def test_input_including_cached_tokens_is_split_once() -> None:
    """OTel convention: 1M input of which 400k cached → 600k at input, 400k at cache price."""
    model = CostModel(PRICING)
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cached_input_tokens=400_000)
    tokens = model.tokens("mid", usage)
    cost = model.cost("mid", tokens)
    assert tokens.input == 1_000_000 and tokens.uncached_input == 600_000
    assert cost.input == pytest.approx(0.24)
    assert cost.cache_read == pytest.approx(0.04)
    assert cost.output == pytest.approx(1.60)
    assert cost.total == pytest.approx(1.88)
    assert cost.cache_savings == pytest.approx(0.4 * 0.30)


def test_input_excluding_cached_tokens_is_normalised_first() -> None:
    """Anthropic-style usage (cached reported apart) yields the same totals convention."""
    model = CostModel(PRICING)
    usage = Usage(
        input_tokens=100_000,
        output_tokens=0,
        cached_input_tokens=900_000,
        cache_write_tokens=50_000,
    )
    tokens = model.tokens("anthropic-style", usage)
    assert tokens.input == 1_050_000 and tokens.uncached_input == 100_000
    cost = model.cost("anthropic-style", tokens)
    assert cost.input == pytest.approx(0.30)
    assert cost.cache_read == pytest.approx(0.27)
    assert cost.cache_write == pytest.approx(0.1875)


def test_missing_cache_prices_default_to_the_input_price() -> None:
    """A model without cache prices charges cached tokens at the input price."""
    model = CostModel(PRICING)
    tokens = model.tokens(
        "no-cache-prices", Usage(input_tokens=1_000_000, cached_input_tokens=500_000)
    )
    assert model.cost("no-cache-prices", tokens).total == pytest.approx(1.0)


def test_glob_patterns_price_dated_model_names() -> None:
    """`mid-2026-01-01` matches the `mid-2026-*` pattern."""
    model = CostModel(PRICING)
    tokens = model.tokens("mid-2026-01-01", Usage(output_tokens=1_000_000))
    assert model.cost("mid-2026-01-01", tokens).total == pytest.approx(1.60)


def test_an_unknown_model_is_unpriced_not_free() -> None:
    """No matching rule → `priced` is False, so it is counted as unpriced."""
    model = CostModel(PRICING)
    cost = model.cost("mystery", model.tokens("mystery", Usage(input_tokens=10)))
    assert cost.priced is False and cost.total == 0


def test_cached_above_input_is_flagged_and_clamped() -> None:
    """Inconsistent usage never produces a negative uncached count."""
    tokens = split_tokens(Usage(input_tokens=10, cached_input_tokens=50), True)
    assert tokens.inconsistent and tokens.uncached_input == 0
