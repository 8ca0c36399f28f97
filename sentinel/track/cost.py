"""Token split and cost of one exchange from `kind: pricing` rules.

Convention (OpenTelemetry GenAI): `input_tokens` counts every input token, cached reads and
cache writes included. For models whose provider reports them separately
(`input_includes_cached: false`), the input total is normalised to that convention first, so
totals never count a cached token twice and never miss one.
"""

from __future__ import annotations

from sentinel.events.model import Usage
from sentinel.rules.pricing import ModelPrice, PricingRules
from sentinel.values import Cost, Tokens

_PER_TOKEN = 1e-6  # prices are per 1M tokens

# Bound on the memo of model name -> price; names beyond it are looked up every time.
_MEMO_LIMIT = 4096


UNPRICED = Cost()


def split_tokens(usage: Usage, input_includes_cached: bool) -> Tokens:
    cached, written = usage.cached_input_tokens, usage.cache_write_tokens
    total_input = (
        usage.input_tokens if input_includes_cached else (usage.input_tokens + cached + written)
    )
    return Tokens(
        input=total_input,
        output=usage.output_tokens,
        cached_input=cached,
        cache_write=written,
        reasoning=usage.reasoning_tokens,
        inconsistent=cached + written > total_input,
    )


class CostModel:
    """Prices exchanges; one instance per rules load."""

    def __init__(self, pricing: PricingRules) -> None:
        self._pricing = pricing
        self._memo: dict[str, ModelPrice | None] = {}

    def price_of(self, model: str | None) -> ModelPrice | None:
        if model is None:
            return None
        memo = self._memo
        if model in memo:
            return memo[model]
        price = self._pricing.find(model)
        if len(memo) < _MEMO_LIMIT:
            memo[model] = price
        return price

    def tokens(self, model: str | None, usage: Usage) -> Tokens:
        price = self.price_of(model)
        includes = self._pricing.input_includes_cached
        if price is not None and price.input_includes_cached is not None:
            includes = price.input_includes_cached
        return split_tokens(usage, includes)

    def cost(self, model: str | None, tokens: Tokens) -> Cost:
        price = self.price_of(model)
        if price is None:
            return UNPRICED
        cache_read = price.input if price.cache_read is None else price.cache_read
        cache_write = price.input if price.cache_write is None else price.cache_write
        return Cost(
            input=tokens.uncached_input * price.input * _PER_TOKEN,
            output=tokens.output * price.output * _PER_TOKEN,
            cache_read=tokens.cached_input * cache_read * _PER_TOKEN,
            cache_write=tokens.cache_write * cache_write * _PER_TOKEN,
            cache_savings=tokens.cached_input * (price.input - cache_read) * _PER_TOKEN,
            priced=True,
        )
