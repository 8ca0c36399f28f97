"""Account for one exchange once: bounded labels, normalised tokens and cost.

Every tracker and the metrics module read the same `Accounted` value, so token and cost
arithmetic exists in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.events.exchange import Exchange
from sentinel.track.cost import Cost, CostModel, Tokens
from sentinel.track.labels import CombinationBudget, LabelBounder

LabelValues = tuple[str, str, str, str, str]  # service, endpoint, feature, model, variant


OUTCOME_OK, OUTCOME_ERROR, OUTCOME_TIMEOUT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Accounted:
    """An exchange with everything trackers read, each computed once."""

    exchange: Exchange
    labels: LabelValues
    tokens: Tokens
    cost: Cost
    outcome: int  # OUTCOME_OK | OUTCOME_ERROR | OUTCOME_TIMEOUT
    event_time: float
    latency_ms: float | None
    ttft_ms: float | None
    retries: int


class Accountant:
    def __init__(
        self,
        cost_model: CostModel,
        bounders: dict[str, LabelBounder],
        budget: CombinationBudget | None = None,
    ) -> None:
        self.budget = budget  # caps label combinations (series per family)
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
        labels = (
            self._service(service),
            self._endpoint(endpoint),
            self._feature(feature),
            self._model(model),
            self._variant(variant),
        )
        if self.budget is None:
            return labels
        return self.budget(labels)  # type: ignore[return-value]  # same length

    def account(self, exchange: Exchange) -> Accounted:
        service, endpoint, feature, model, variant = exchange.identity()
        tokens = self._cost_model.tokens(model, exchange.usage)
        cost = self._cost_model.cost(model, tokens)
        labels = self.labels(service, endpoint, feature, model, variant)
        if exchange.kind == "timeout":
            outcome = OUTCOME_TIMEOUT
        else:
            outcome = OUTCOME_ERROR if exchange.is_error else OUTCOME_OK
        return Accounted(
            exchange,
            labels,
            tokens,
            cost,
            outcome,
            exchange.event_time,
            exchange.latency_ms,
            exchange.ttft_ms,
            exchange.retries,
        )
