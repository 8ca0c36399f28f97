"""The table report: alerts, canary gates and rollback decisions, within 100 columns."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from sentinel.report import print_table

LONG = "a-very-long-service-name-that-keeps-going-and-going"


def totals(exchanges: int) -> dict[str, Any]:
    return {
        "exchanges": exchanges,
        "timeouts": 1,
        "errors": 2,
        "retries": 3,
        "unpriced_exchanges": 0,
        "latency_ms": {"p50": 1234.0, "p95": 23456.0, "p99": 123456.0},
        "ttft_ms": {"p95": 9999.0},
        "tokens": {"input": 12_345_678, "cached_input": 1_234_567, "output": 987_654},
        "cost_usd": 12345.6789,
    }


def report(alerts: int) -> dict[str, Any]:
    return {
        "events": {
            "read": 10,
            "invalid": 0,
            "invalid_by_reason": {},
            "duplicates": 0,
            "feedback": 0,
        },
        **totals(1_000_000),
        "orphan_responses": 0,
        "feedback": {"mean_rating": None, "escalations": 0, "complaints": 0},
        "findings": {},
        "actions": {"allow": 10},
        "pii_leaks": 0,
        "partial_scans": 0,
        "alerts": [
            {
                "name": "SentinelSLOBurnRate",
                "severity": "page",
                "labels": {"service": LONG, "slo": f"latency-{i}", "variant": "canary"},
                "starts_at": "2026-11-02T09:01:30.000Z",
                "ends_at": None if i % 2 else "2026-11-02T09:03:30.000Z",
            }
            for i in range(alerts)
        ],
        "canary": {
            "variant": "canary",
            "baseline_variant": "baseline",
            "open": False,
            "dry_run": True,
            "gates": [
                {
                    "name": "errors",
                    "closed": True,
                    "enough_samples": True,
                    "p_value": 0.0004,
                    "canary": {"bad": 40, "total": 600},
                    "baseline": {"bad": 20, "total": 3000},
                },
            ],
        },
        "rollbacks": [
            {
                "id": "rb-1",
                "variant": "canary",
                "sli": "errors",
                "trigger": "test",
                "decision": "dry_run",
                "reason": "errors: bad rate of canary 6.667% (40/600) exceeds the allowed "
                "1.667% (baseline 0.667%, 20/3000); msprt p=0.0004 <= alpha 0.0025",
                "at": 1793610241.0,
            }
        ],
        "by_model": {f"{LONG}-model": totals(999_999)},
    }


def render(data: dict[str, Any], width: int) -> str:
    buffer = io.StringIO()
    print_table(data, Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def test_the_table_fits_100_columns_and_cuts_nothing() -> None:
    """On a wide console the report still fits 100 columns; long labels wrap, never cut."""
    text = render(report(alerts=3), width=200)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 100
    assert "…" not in text
    first_words = "".join(line.split()[0] for line in text.splitlines() if line.strip())
    assert f"{LONG}-model" in first_words  # the model column wraps, complete and in order
    assert "123,456" in text and "12,345.6789" in text


def test_the_table_lists_alerts_canary_gates_and_rollback_decisions() -> None:
    """Alerts with fired/resolved times, each gate's samples and every decision appear."""
    text = render(report(alerts=3), width=100)
    assert "alerts (3, event time UTC)" in text
    assert "11-02 09:01:30" in text and "11-02 09:03:30" in text and "firing" in text
    assert "40/600" in text and "20/3,000" in text and "closed" in text
    assert "rollback decisions (1, event time UTC)" in text
    assert "dry_run" in text and "p=0.0004" in "".join(text.split())


def test_many_alerts_are_capped_with_a_pointer_to_json() -> None:
    """Past 20 alerts the table says how many more the JSON report lists."""
    text = render(report(alerts=25), width=100)
    assert "… and 5 more (--report json lists every alert)" in text
