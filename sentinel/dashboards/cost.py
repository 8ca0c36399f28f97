"""Cost: tokens and dollars, where they go, what the month will cost."""

from __future__ import annotations

from typing import Any

from sentinel.dashboards.layout import Board, Query, stat_panel, timeseries, variables
from sentinel.dashboards.promql import RATE_INTERVAL, Scope
from sentinel.telemetry import names as n

UID = "sentinel-cost"
_S = Scope(("job", "service", "model", "variant"))
_PER_HOUR = " * 3600"  # rates are per second; spend reads better per hour


def _burn_by(label: str) -> Query:
    return Query(_S.rate(n.COST, by=(label,)) + _PER_HOUR, f"{{{{{label}}}}}")


def build() -> dict[str, Any]:
    board = Board(
        UID,
        "sentinel / Cost",
        "Tokens and spend priced from rules/pricing.yaml: burn rate by service, feature, "
        "endpoint and model, cache savings, the monthly forecast and spend-guard trips.",
        variables(_S),
    )
    board.row("Spend")
    board.add(
        stat_panel(
            "Spend in the time range",
            "Dollars spent by the selected traffic over the dashboard's time range, priced "
            "per token kind (input, output, cache reads and writes).",
            "currencyUSD",
            [Query(_S.increase(n.COST))],
            instant=True,
        ),
        stat_panel(
            "Burn rate per hour",
            "Current spend rate in dollars per hour (over the rate window). Compare with "
            "the spend guard's max_usd_per_hour in rules/spend_guard.yaml.",
            "currencyUSD",
            [Query(_S.rate(n.COST) + _PER_HOUR)],
            thresholds=[(50, "red")],
        ),
        stat_panel(
            "Monthly forecast",
            "Month-to-date spend plus the trailing-hour rate until the month ends (event "
            "time), summed over replicas and the selected services. A forecast that jumps "
            "during the day means the current rate is far above the month's average.",
            "currencyUSD",
            [Query(_S.gauge(n.SPEND_MONTH_FORECAST))],
        ),
        stat_panel(
            "Saved by cached input",
            "Dollars not spent because input tokens were served from the provider's prompt "
            "cache, over the time range. Falling savings with steady traffic mean the cache "
            "stopped hitting (a prompt prefix changed).",
            "currencyUSD",
            [Query(_S.increase(n.CACHE_SAVINGS))],
            instant=True,
        ),
    )
    board.add(
        stat_panel(
            "Spend-guard trips in the time range",
            "How often a spend guard tripped (SentinelSpendBurn fired and the throttle "
            "webhook, if configured, was called). 0 is the normal state.",
            "short",
            [Query(f"{_S.increase(n.SPEND_GUARD_TRIPS)} or vector(0)")],
            thresholds=[(1, "red")],
            instant=True,
            width=6,
        ),
        stat_panel(
            "Month to date",
            "Spend so far this calendar month (event time, UTC), summed over replicas.",
            "currencyUSD",
            [Query(_S.gauge(n.SPEND_MONTH_TO_DATE))],
            width=6,
        ),
        stat_panel(
            "Cost per exchange",
            "Average dollars per exchange over the rate window. A rise with flat traffic is "
            "longer prompts or answers, or a move to a pricier model.",
            "currencyUSD",
            [Query(f"{_S.rate(n.COST)} / {_S.rate(n.EXCHANGES)}")],
            width=6,
        ),
        stat_panel(
            "Exchanges without a price",
            "Exchanges over the time range whose model has no entry in rules/pricing.yaml: "
            "their tokens are counted but cost nothing here. Add the model's price.",
            "short",
            [Query(f"{_S.increase(n.UNPRICED)} or vector(0)")],
            thresholds=[(1, "orange")],
            instant=True,
            width=6,
        ),
    )
    board.row("Dollar burn")
    board.add(
        timeseries(
            "Dollars per hour by service",
            "Spend rate per calling service. The first place to look when SentinelSpendBurn "
            "fires: which service moved?",
            "currencyUSD",
            [_burn_by("service")],
            stack=True,
        ),
        timeseries(
            "Dollars per hour by feature",
            "Spend rate per product feature (event field `feature`). A feature whose "
            "spend grows faster than its traffic has longer prompts or a pricier model.",
            "currencyUSD",
            [_burn_by("feature")],
            stack=True,
        ),
        timeseries(
            "Dollars per hour by model",
            "Spend rate per model. Watch for traffic shifting to an expensive model.",
            "currencyUSD",
            [_burn_by("model")],
            stack=True,
        ),
        timeseries(
            "Dollars per hour by endpoint",
            "Spend rate per API endpoint. Batch or background endpoints growing here "
            "usually mean a job that runs more often than intended.",
            "currencyUSD",
            [_burn_by("endpoint")],
            stack=True,
        ),
        timeseries(
            "Trailing-hour burn by service (event time)",
            "sentinel's own trailing-hour spend rate per service, in event time, summed "
            "over replicas: what the spend guards compare with their thresholds.",
            "currencyUSD",
            [Query(_S.gauge(n.SPEND_BURN, by=("service",)), "{{service}}")],
            thresholds=[(50, "red")],
        ),
        timeseries(
            "Monthly forecast and month to date by service",
            "Forecast (month to date plus the trailing rate until month end) next to what is "
            "already spent. The gap is what the rest of the month will cost at today's rate.",
            "currencyUSD",
            [
                Query(_S.gauge(n.SPEND_MONTH_FORECAST, by=("service",)), "{{service}} forecast"),
                Query(_S.gauge(n.SPEND_MONTH_TO_DATE, by=("service",)), "{{service}} to date"),
            ],
        ),
    )
    board.row("Tokens")
    board.add(
        timeseries(
            "Tokens per second by kind",
            "input (including cached reads), output, cached_input, cache_write and "
            "reasoning tokens. Rising input with flat traffic: prompts or retrieved context "
            "grew. Rising output: answers got longer or looped.",
            "short",
            [Query(_S.rate(n.TOKENS, by=("kind",)), "{{kind}}")],
        ),
        timeseries(
            "Dollars per hour by token kind",
            "Where the money goes: input, output, cache reads, cache writes. Cached reads "
            "and writes are priced separately and never counted twice.",
            "currencyUSD",
            [_burn_by("kind")],
            stack=True,
        ),
        timeseries(
            "Cached-input savings per hour by service",
            "Dollars per hour saved by prompt caching. A service whose savings fall while "
            "its input cost rises lost its cache hits.",
            "currencyUSD",
            [Query(_S.rate(n.CACHE_SAVINGS, by=("service",)) + _PER_HOUR, "{{service}}")],
        ),
        timeseries(
            "Tokens per exchange p95 by model",
            "95th percentile of input and output tokens per exchange. Long-context requests "
            "show up here before they show up in latency.",
            "short",
            [
                Query(
                    _S.quantile(0.95, n.EXCHANGE_TOKENS, by=("model", "direction")),
                    "{{model}} {{direction}}",
                )
            ],
        ),
        timeseries(
            "Cost per exchange by model",
            "Average dollars per exchange for each model over the rate window.",
            "currencyUSD",
            [
                Query(
                    f"{_S.rate(n.COST, by=('model',))} / {_S.rate(n.EXCHANGES, by=('model',))}",
                    "{{model}}",
                )
            ],
        ),
        timeseries(
            "Spend-guard trips",
            "Trips per guard over the rate window; each one raised SentinelSpendBurn. See "
            "docs/runbooks/SentinelSpendBurn.md.",
            "short",
            [
                Query(
                    _S.increase(n.SPEND_GUARD_TRIPS, by=("guard",), window=RATE_INTERVAL),
                    "{{guard}}",
                )
            ],
        ),
    )
    return board.to_json()
