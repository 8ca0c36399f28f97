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
# Raw identity tuples remembered with their bounded labels; past this many the memo starts
# over (raw values are not bounded: an input of ever-new values only costs the slow path).
_KNOWN_MAX = 65_536
_KNOWN_MAX_CHARS = 500  # raw tuples longer than this are bounded every time, never kept


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
        # Raw (service, endpoint, feature, model, variant) -> the labels they were bounded
        # to, kept only when bounding changed no counter (nothing redacted or folded): such
        # a result is final, because admitted values and combinations stay admitted and a
        # bounder or budget that is full stays full. A hit skips five bounders and the budget.
        self._known: dict[tuple[str | None, ...], Labels] = {}
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
        raw = (service, endpoint, feature, model, variant)
        labels = self._known.get(raw)
        if labels is None:
            labels = self._bound(raw)
        return labels

    def _bound(self, raw: tuple[str | None, ...]) -> Labels:
        """The labels of `raw` through the bounders and the budget (the memo's slow path)."""
        service, endpoint, feature, model, variant = raw
        redacted = self._redacted()
        folded = self.budget.folded if self.budget is not None else 0
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
        final = self._redacted() == redacted and (
            self.budget is None or self.budget.folded == folded
        )
        if final and sum(len(v) for v in raw if v) <= _KNOWN_MAX_CHARS:
            if len(self._known) >= _KNOWN_MAX:
                self._known.clear()
            self._known[raw] = labels
        return labels

    def _redacted(self) -> int:
        return (
            self._service.redacted
            + self._endpoint.redacted
            + self._feature.redacted
            + self._model.redacted
            + self._variant.redacted
        )

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
