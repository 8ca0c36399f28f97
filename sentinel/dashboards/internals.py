"""sentinel itself: is it keeping up, losing nothing, scanning everything?"""

from __future__ import annotations

from typing import Any

from sentinel.dashboards import constants as c
from sentinel.dashboards.layout import Board, Query, stat_panel, timeseries, variables
from sentinel.dashboards.promql import Scope, share
from sentinel.telemetry import names as n

UID = "sentinel-self"
_S = Scope(("job", "instance", "service", "model", "variant"))
_I = ("instance",)


def build() -> dict[str, Any]:
    board = Board(
        UID,
        "sentinel / sentinel itself",
        "The sidecar's own health: consumer lag, processing time, dead letters, outputs, "
        "commits, filter time and scan budget overruns, per replica.",
        variables(_S),
    )
    board.row("Keeping up")
    board.add(
        stat_panel(
            "Replicas up",
            "sentinel targets Prometheus scraped successfully. Fewer than expected: a pod "
            "is down or its /metrics is unreachable.",
            "short",
            [Query(_S.gauge(c.UP))],
            thresholds=[(0, "red"), (1, "green")],
        ),
        stat_panel(
            "Consumer lag",
            "Messages waiting behind the end of the partitions, over every replica. It "
            "should hover near 0; steady growth means sentinel cannot keep up (add "
            "replicas up to the partition count).",
            "short",
            [Query(_S.gauge(n.CONSUMER_LAG))],
            thresholds=[(10_000, "orange"), (100_000, "red")],
        ),
        stat_panel(
            "Event time behind now",
            "Wall clock minus the newest event time sentinel has seen (the slowest "
            "replica). Live traffic: end-to-end delay of metrics, verdicts and alerts. A "
            "replay of old traffic shows its age instead.",
            "s",
            [Query(f"time() - {_S.gauge(n.WATERMARK, op='min')}")],
            thresholds=[(60, "orange"), (600, "red")],
        ),
        stat_panel(
            "Dead-letter share",
            "Share of the events read that went to the dead-letter topic. Above a few "
            "percent a producer probably changed its event format (SentinelDeadLetterRatioHigh).",
            "percentunit",
            [Query(share(_S.rate(n.EVENTS_INVALID), _S.rate(n.EVENTS_READ)))],
            thresholds=[(0.01, "orange"), (0.05, "red")],
        ),
    )
    board.add(
        timeseries(
            "Consumer lag by topic and partition",
            "Messages behind the end of each partition. One partition lagging alone is a "
            "hot key or a stuck replica; all of them lagging is too little capacity.",
            "short",
            [
                Query(
                    _S.gauge(n.CONSUMER_LAG, op="max", by=("topic", "partition")),
                    "{{topic}}/{{partition}}",
                )
            ],
        ),
        timeseries(
            "Batch processing time: p50, p95, p99",
            "Time to process one polled batch (decode, join, account, filter, emit), before "
            "flush and commit. Growing while traffic is flat points at filters: see the "
            "filter panels below.",
            "s",
            [
                Query(_S.quantile(q, n.BATCH_DURATION), f"p{round(q * 100)}")
                for q in (0.5, 0.95, 0.99)
            ],
        ),
        timeseries(
            "Events read per second by replica",
            "Raw events consumed per second. Replicas should share the load by partitions; "
            "one at zero owns no partition or is stuck.",
            "cps",
            [Query(_S.rate(n.EVENTS_READ, by=_I), "{{instance}}")],
            stack=True,
        ),
        timeseries(
            "Exchanges per second out",
            "Exchanges completed for the selected service, model and variant. Together with "
            "events read: roughly two events (request, response) per exchange.",
            "reqps",
            [Query(_S.rate(n.EXCHANGES, by=("outcome",)), "{{outcome}}")],
            stack=True,
        ),
    )
    board.row("Nothing lost")
    board.add(
        timeseries(
            "Dead letters per second by reason",
            "Events sent to the dead-letter topic, by reason (invalid JSON, schema, size, "
            "...). The topic keeps the raw bytes and the reason in headers for replay.",
            "cps",
            [Query(_S.rate(n.EVENTS_INVALID, by=("reason",)), "{{reason}}")],
            stack=True,
        ),
        timeseries(
            "Duplicates, orphans, late events and evictions per second",
            "Duplicates: redelivered events dropped by event_id. Orphans: responses whose "
            "request was never seen (often after a restart). Late: responses that came after "
            "their request timed out (raise --ttl-seconds if they are legitimate). Evictions: "
            "pending requests dropped by the pending bound; they mean lost joins.",
            "cps",
            [
                Query(_S.rate(n.EVENTS_DUPLICATE), "duplicates"),
                Query(_S.rate(n.ORPHAN_RESPONSES), "orphan responses"),
                Query(_S.rate(n.LATE_EVENTS), "late events"),
                Query(_S.rate(n.CORRELATION_EVICTIONS), "evictions"),
            ],
        ),
        timeseries(
            "Pending requests by replica",
            "Requests waiting for their response. Grows with traffic times latency; a "
            "climb that never comes down means responses are missing.",
            "short",
            [Query(_S.gauge(n.PENDING_REQUESTS, by=_I), "{{instance}}")],
        ),
        timeseries(
            "Commits and sink errors per second",
            "Offset commits (one per processed batch) and writes an output refused. Sink "
            "errors abort the batch before its commit: it is redelivered, nothing is lost, "
            "but nothing progresses while they last.",
            "cps",
            [
                Query(_S.rate(n.COMMITS, by=_I), "commits {{instance}}"),
                Query(f"{_S.rate(n.SINK_ERRORS, by=('sink',))} or vector(0)", "sink errors"),
            ],
        ),
        timeseries(
            "Alert deliveries per second by receiver and result",
            "Notifications sentinel sent to Alertmanager and webhooks. error and dropped "
            "mean an alert did not arrive: check the receiver's URL and credentials.",
            "cps",
            [
                Query(
                    _S.rate(n.ALERT_DELIVERIES, by=("receiver", "result")),
                    "{{receiver}} {{result}}",
                )
            ],
        ),
    )
    board.add(
        timeseries(
            "Evaluation behind events",
            "Newest event time minus the event time up to which every input partition is "
            "complete: SLO alerts, spend guards and canary gates decide only up to there. A "
            "minute or two (plus requests waiting for their response) is normal; a climb "
            "means a partition has no live owner (SentinelEvaluationStalled).",
            "s",
            [
                Query(
                    f"{_S.gauge(n.WATERMARK, op='max')} - "
                    f"{_S.gauge(n.STATE_COMPLETE_UNTIL, op='min')}",
                    "behind",
                )
            ],
        ),
    )
    board.row("Filters")
    board.add(
        timeseries(
            "Filter time per exchange p95 by filter",
            "95th percentile time one filter spends on one exchange. The chain's budget is "
            "1 s per exchange; a filter near it starts cutting scans short.",
            "s",
            [Query(_S.quantile(0.95, n.FILTER_DURATION, by=("filter",)), "{{filter}}")],
        ),
        timeseries(
            "Filter time per exchange, mean by filter",
            "Average time per exchange. Multiplied by exchanges per second, the CPU each "
            "filter costs.",
            "s",
            [Query(_S.mean(n.FILTER_DURATION, by=("filter",)), "{{filter}}")],
        ),
        timeseries(
            "Scan budget overruns per second",
            "Exchanges a filter did not scan completely: the time budget ran out, or the "
            "text passed the byte budget (filter all). The verdict says so; what was not "
            "scanned is not safe.",
            "cps",
            [
                Query(
                    f"{_S.rate(n.SCAN_INCOMPLETE, by=('filter', 'reason'))} or vector(0)",
                    "{{filter}} {{reason}}",
                )
            ],
        ),
        timeseries(
            "Filter failures and unscanned characters per second",
            "Filters that raised (the verdict follows on_error: open allows, closed "
            "blocks), and characters left unscanned by the byte budget.",
            "cps",
            [
                Query(
                    f"{_S.rate(n.FILTER_FAILURES, by=('filter',))} or vector(0)",
                    "failures {{filter}}",
                ),
                Query(_S.rate(n.SCAN_SKIPPED_CHARS), "unscanned characters"),
            ],
        ),
    )
    return board.to_json()
