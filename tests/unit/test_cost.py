"""Cost: cached and cache-write tokens priced separately, never counted twice."""

from __future__ import annotations

import typing

import pytest
from openai.types import ChatModel

from sentinel.events.model import Usage
from sentinel.rules.loader import load_rules
from sentinel.rules.pricing import PricingRules, name_candidates
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


SHIPPED = load_rules().pricing
DECORATIONS = [
    ("a dated snapshot", "{m}-2025-04-14"),
    ("a compact date", "{m}-20250929"),
    ("an OpenAI-compatible gateway prefix", "openai/{m}"),
    ("the Gemini API resource name", "models/{m}"),
    ("a Bedrock id with provider and version", "anthropic.{m}-20250929-v1:0"),
    ("a Bedrock cross-region id", "us.anthropic.{m}-20251001-v1:0"),
    ("a Vertex AI snapshot", "{m}@20250929"),
    ("a LiteLLM provider path and date", "vertex_ai/{m}@20250929"),
    ("a latest alias", "{m}-latest"),
    ("upper case", "{M}"),
]


@pytest.mark.parametrize(("form"), [d[1] for d in DECORATIONS], ids=[d[0] for d in DECORATIONS])
def test_every_shipped_price_resolves_from_decorated_names(form: str) -> None:
    """Each priced model is found behind provider prefixes and snapshot suffixes."""
    for price in SHIPPED.models:
        name = form.format(m=price.model, M=price.model.upper())
        found = SHIPPED.find(name)
        assert found is not None and found.model == price.model, name


def test_names_the_openai_sdk_and_its_instrumentations_report_resolve() -> None:
    """Every model name of the OpenAI SDK whose base model is priced finds that price;
    none finds a price of another model (`gpt-4o-audio-preview` is not `gpt-4o`)."""
    resolved = {}
    for name in typing.get_args(ChatModel):
        found = SHIPPED.find(name)
        if found is not None:
            assert found.model in name_candidates(name), name
            resolved[name] = found.model
    assert resolved["gpt-4.1-nano-2025-04-14"] == "gpt-4.1-nano"  # unpriced before
    assert resolved["gpt-4o-mini-2024-07-18"] == "gpt-4o-mini"
    assert resolved["gpt-4o-2024-05-13"] == "gpt-4o-2024-05-13"  # its own, older price
    assert "gpt-4o-audio-preview" not in resolved
    priced = {p.model for p in SHIPPED.models}
    for name in typing.get_args(ChatModel):
        if any(candidate in priced for candidate in name_candidates(name)):
            assert name in resolved, name


def test_an_exact_entry_wins_over_a_stripped_name() -> None:
    """A dated snapshot priced on its own keeps its own price."""
    assert SHIPPED.find("gpt-4o-2024-05-13").model == "gpt-4o-2024-05-13"  # type: ignore[union-attr]
    assert SHIPPED.find("gpt-4o-2024-08-06").model == "gpt-4o"  # type: ignore[union-attr]
