"""Overview: how much LLM traffic, how fast, how often it fails."""

from __future__ import annotations

from typing import Any

from sentinel.dashboards.layout import Board, Query, stat_panel, timeseries, variables
from sentinel.dashboards.promql import Scope, share
from sentinel.telemetry import names as n

UID = "sentinel-overview"
_S = Scope(("job", "service", "model", "variant"))
_NOT_OK = 'outcome!="ok"'


def _latency_quantiles(histogram: str) -> list[Query]:
    return [
        Query(_S.mean(histogram), "mean"),
        *(Query(_S.quantile(q, histogram), f"p{round(q * 100)}") for q in (0.5, 0.95, 0.99)),
    ]


def build() -> dict[str, Any]:
    board = Board(
        UID,
        "sentinel / Overview",
        "LLM traffic seen by sentinel: exchanges, latency, time to first token, errors.",
        variables(_S),
    )
    exchanges = _S.rate(n.EXCHANGES)
    board.row("Traffic")
    board.add(
        stat_panel(
            "Exchanges per second",
            "Request/response pairs completed per second (errors and timeouts included). "
            "A sudden drop with no error rise means callers stopped sending, or sentinel "
            "stopped reading: check the sentinel dashboard's consumer lag.",
            "reqps",
            [Query(exchanges)],
        ),
        stat_panel(
            "Failed share",
            "Share of exchanges that ended in an error or a timeout. The errors SLO allows "
            "3 %; above that the error budget burns.",
            "percentunit",
            [Query(share(_S.rate(n.EXCHANGES, _NOT_OK), exchanges))],
            thresholds=[(0.01, "orange"), (0.03, "red")],
        ),
        stat_panel(
            "Latency p95",
            "95 % of exchanges finished within this time (end to end, from the histogram). "
            "Compare with the latency SLO's threshold (10 s by default).",
            "s",
            [Query(_S.quantile(0.95, n.LATENCY))],
            thresholds=[(5, "orange"), (10, "red")],
        ),
        stat_panel(
            "Time to first token p95",
            "95 % of streamed answers showed their first token within this time. It is what "
            "a chat user feels as responsiveness.",
            "s",
            [Query(_S.quantile(0.95, n.TTFT))],
            thresholds=[(2, "orange"), (5, "red")],
        ),
    )
    board.add(
        timeseries(
            "Exchanges per second by outcome",
            "ok, error and timeout exchanges per second, stacked. A timeout is a request "
            "whose response never arrived within the TTL. Look for the error and timeout "
            "bands growing while the total stays flat.",
            "reqps",
            [Query(_S.rate(n.EXCHANGES, by=("outcome",)), "{{outcome}}")],
            stack=True,
        ),
        timeseries(
            "Exchanges per second by service and model",
            "Where the traffic comes from and which model serves it. A new model or a "
            "service whose volume jumps explains most cost and latency changes.",
            "reqps",
            [Query(_S.rate(n.EXCHANGES, by=("service", "model")), "{{service}} / {{model}}")],
        ),
    )
    board.row("Latency")
    board.add(
        timeseries(
            "Latency: mean, p50, p95, p99",
            f"End-to-end latency of the selected exchanges, from {n.LATENCY}. p99 far above "
            "p95 means a long tail (long generations, retries); the mean sitting above p50 "
            "means the tail dominates.",
            "s",
            _latency_quantiles(n.LATENCY),
        ),
        timeseries(
            "Time to first token: mean, p50, p95, p99",
            "Time until the first streamed token, for exchanges that report it. A rise "
            "here with flat total latency points at the provider's queueing, not the "
            "answer's length.",
            "s",
            _latency_quantiles(n.TTFT),
        ),
        timeseries(
            "Latency p95 by model",
            "Each model's 95th percentile. A single model moving alone is a provider or "
            "model issue; all of them moving together points at the network or the caller.",
            "s",
            [Query(_S.quantile(0.95, n.LATENCY, by=("model",)), "{{model}}")],
        ),
        timeseries(
            "Latency p95 by endpoint",
            "The 95th percentile per API endpoint (chat completions, responses, ...). "
            "Streaming and non-streaming endpoints differ by design: compare each with "
            "its own past.",
            "s",
            [Query(_S.quantile(0.95, n.LATENCY, by=("endpoint",)), "{{endpoint}}")],
        ),
        timeseries(
            "Time to first token p95 by model",
            "Each model's 95th percentile time to first token.",
            "s",
            [Query(_S.quantile(0.95, n.TTFT, by=("model",)), "{{model}}")],
        ),
        timeseries(
            "Latency p50 / p95 / p99 by model (event time, in-process)",
            "sentinel's own DDSketch quantiles over the last 5 minutes of event time, per "
            "replica (the worst replica shown). They follow the events' timestamps, so a "
            "replay of old traffic shows here too; exact to 0.5 %.",
            "s",
            [
                Query(
                    _S.gauge(n.LATENCY_WINDOW, op="max", by=("model", "quantile")),
                    "{{model}} q{{quantile}}",
                )
            ],
        ),
    )
    board.row("Errors, retries and timeouts")
    board.add(
        timeseries(
            "Errors per second by type",
            "Failed exchanges by the provider's error type. rate_limit means a quota was "
            "hit; timeout and server_error point at the provider; invalid_request at the "
            "caller's code.",
            "reqps",
            [Query(_S.rate(n.ERRORS, by=("type",)), "{{type}}")],
        ),
        timeseries(
            "Failed share by service",
            "Share of each service's exchanges that failed or timed out. One service alone "
            "going up is usually its own change (prompt size, quota), not the provider.",
            "percentunit",
            [
                Query(
                    share(
                        _S.rate(n.EXCHANGES, _NOT_OK, by=("service",)),
                        _S.rate(n.EXCHANGES, by=("service",)),
                    ),
                    "{{service}}",
                )
            ],
            thresholds=[(0.03, "red")],
        ),
        timeseries(
            "Retries per second by model",
            "Retries the clients reported. Retries hide errors from users but cost tokens "
            "and latency; a rise often precedes rate-limit errors.",
            "cps",
            [Query(_S.rate(n.RETRIES, by=("model",)), "{{model}}")],
        ),
        timeseries(
            "Timeouts per second by model",
            "Requests whose response did not arrive within the TTL. Timeouts count as "
            "failures in the errors SLO and as over-threshold in the latency SLO.",
            "reqps",
            [Query(_S.rate(n.EXCHANGES, by=("model",), outcome="timeout"), "{{model}}")],
        ),
    )
    return board.to_json()
