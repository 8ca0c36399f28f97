"""Account for one exchange once: bounded labels, normalised tokens and cost.

Every tracker and the metrics module read the same `Accounted` value, so token and cost
arithmetic exists in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.events.exchange import Exchange
from sentinel.track.cost import Cost, CostModel, Tokens
from sentinel.track.labels import LabelBounder

LabelValues = tuple[str, str, str, str, str]  # service, endpoint, feature, model, variant


@dataclass(frozen=True, slots=True)
class Accounted:
    exchange: Exchange
    labels: LabelValues
    tokens: Tokens
    cost: Cost


class Accountant:
    def __init__(self, cost_model: CostModel, bounders: dict[str, LabelBounder]) -> None:
        self._cost_model = cost_model
        self._service = bounders["service"]
        self._endpoint = bounders["endpoint"]
        self._feature = bounders["feature"]
        self._model = bounders["model"]
        self._variant = bounders["variant"]

    def labels(
        self,
        service: str | None,
        endpoint: str | None,
        feature: str | None,
        model: str | None,
        variant: str | None,
    ) -> LabelValues:
        return (
            self._service(service),
            self._endpoint(endpoint),
            self._feature(feature),
            self._model(model),
            self._variant(variant),
        )

    def account(self, exchange: Exchange) -> Accounted:
        model = exchange.model
        tokens = self._cost_model.tokens(model, exchange.usage)
        cost = self._cost_model.cost(model, tokens)
        labels = self.labels(
            exchange.service, exchange.endpoint, exchange.feature, model, exchange.variant
        )
        return Accounted(exchange, labels, tokens, cost)
