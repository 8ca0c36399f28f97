"""Account for one exchange once: bounded labels, normalised tokens and cost.

Every tracker and the metrics module read the same `Accounted` value (`sentinel.values`),
so token and cost arithmetic exists in exactly one place.
"""

from __future__ import annotations

from sentinel.events.exchange import Exchange
from sentinel.track.cost import CostModel
from sentinel.track.labels import CombinationBudget, LabelBounder
from sentinel.values import Accounted, Labels, Outcome

_INTERNED_MAX = 65_536  # label combinations remembered (values are bounded: few in practice)


class Accountant:
    def __init__(
        self,
        cost_model: CostModel,
        bounders: dict[str, LabelBounder],
        budget: CombinationBudget | None = None,
    ) -> None:
        self.budget = budget  # caps label combinations (series per family)
        # Bounded label combinations repeat: one `Labels` each (a named tuple costs ~10x a
        # plain tuple to build).
        self._interned: dict[tuple[str, ...], Labels] = {}
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
    ) -> Labels:
        values: tuple[str, ...] = (
            self._service(service),
            self._endpoint(endpoint),
            self._feature(feature),
            self._model(model),
            self._variant(variant),
        )
        if self.budget is not None:
            values = self.budget(values)  # folded into `other` past the series budget
        labels = self._interned.get(values)
        if labels is None:
            labels = Labels(*values)
            if len(self._interned) < _INTERNED_MAX:
                self._interned[values] = labels
        return labels

    def account(self, exchange: Exchange) -> Accounted:
        service, endpoint, feature, model, variant = exchange.identity()
        tokens = self._cost_model.tokens(model, exchange.usage)
        cost = self._cost_model.cost(model, tokens)
        labels = self.labels(service, endpoint, feature, model, variant)
        outcome: Outcome
        if exchange.kind == "timeout":
            outcome = "timeout"
        else:
            outcome = "error" if exchange.is_error else "ok"
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
