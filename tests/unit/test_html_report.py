"""The HTML replay report: self-contained, the backtest charts drawn, labels escaped."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.html_report import _alerts_chart, _budget_chart, _canary_chart, _findings_chart
from sentinel.track.timeline import Bucket, Timeline

RULES = str(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
HOSTILE = '<script>alert("x")</script>&'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"
CHARTS = (
    "chart-alerts",
    "chart-budget",
    "chart-latency",
    "chart-canary",
    "chart-cost",
    "chart-findings",
)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """The HTML page and the JSON report of one replay of the bundled sample."""
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = CliRunner().invoke(
        main, ["replay", "--rules", RULES, "--report", "json", "--html", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8"), json.loads(result.stdout)


@pytest.fixture(scope="module")
def page(replayed: tuple[str, dict[str, Any]]) -> str:
    return replayed[0]


def chart(page: str, chart_id: str) -> str:
    found = re.search(rf'<svg id="{chart_id}".*?</svg>', page, re.S)
    assert found is not None, chart_id
    return found.group(0)


def test_replay_html_is_self_contained(page: str) -> None:
    """The page loads nothing: no scripts, no stylesheet links, no http(s) URLs."""
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    # the only URL is the SVG namespace, which is an identifier, never fetched
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}


def test_replay_html_has_every_chart(page: str) -> None:
    """Each chart is an svg with its id, a title and axis labels, and data shapes."""
    for chart_id in CHARTS:
        svg = chart(page, chart_id)
        assert "<title>" in svg
        assert 'class="x-label"' in svg and 'class="y-label"' in svg
        assert re.search(r"<(rect|path|polyline)\b", svg), chart_id
    assert 'id="summary"' in page


def test_alert_timeline_draws_every_alert_the_replay_fired(
    replayed: tuple[str, dict[str, Any]],
) -> None:
    """Every alert of the JSON report is a bar from fired to resolved; those still firing
    at the end are dashed."""
    page, report = replayed
    svg = chart(page, "chart-alerts")
    bars = re.findall(r'<rect class="alert"[^>]*>', svg)
    alerts = report["alerts"]
    assert alerts and len(bars) == len(alerts)
    still = [a for a in alerts if a["ends_at"] is None]
    assert sum("stroke-dasharray" in b for b in bars) == len(still)
    first = next(a for a in alerts if a["ends_at"] is not None)
    assert f"fired {first['starts_at']}, resolved {first['ends_at']}" in svg


def test_latency_and_budget_are_drawn_over_event_time(page: str) -> None:
    """p50/p95/p99 are three lines over time; each drawn SLO series is a budget line."""
    latency = chart(page, "chart-latency")
    for q in ("p50", "p95", "p99"):
        assert f"<title>latency {q}</title>" in latency
    budget = chart(page, "chart-budget")
    assert len(re.findall(r'<polyline class="line"', budget)) >= 5
    assert 'class="zero"' in budget  # the "budget spent" line


def test_canary_panels_compare_the_two_variants_per_gate(
    replayed: tuple[str, dict[str, Any]],
) -> None:
    """One panel per rollback gate, baseline and canary bars with their samples (bad /
    total as in the JSON report); no bar for traffic without a variant."""
    page, report = replayed
    svg = chart(page, "chart-canary")
    gates = report["canary"]["gates"]
    assert gates
    for gate in gates:
        assert f">{gate['name']}</text>" in svg
        for variant in ("canary", "baseline"):
            arm = gate[variant]
            assert f"{gate['name']}: {variant} {arm['bad']:,}/{arm['total']:,} = " in svg
    tips = re.findall(r"<title>(\w+): (\w+) [\d,]+/[\d,]+ = ", svg)
    assert {variant for _, variant in tips} == {"baseline", "canary"}
    assert len(tips) == 2 * len(gates)
    assert "unknown" not in svg


@dataclass(frozen=True)
class Status:
    slo: str
    labels: dict[str, str]
    budget_remaining: float | None


def test_labels_are_escaped() -> None:
    """Alert labels, SLO series, gate and category names are HTML-escaped where drawn."""
    budgets = [Status(HOSTILE, {"variant": HOSTILE}, 0.5)]
    timeline = Timeline(budgets=lambda: budgets)
    timeline.buckets[0] = Bucket(exchanges=1, findings=Counter({HOSTILE: 3}))
    alert = {
        "name": HOSTILE,
        "severity": "page",
        "labels": {"slo": HOSTILE},
        "starts_at": "1970-01-01T00:00:10.000Z",
        "ends_at": None,
    }
    decision = {"variant": HOSTILE, "sli": HOSTILE, "trigger": "test", "decision": "dry_run"}
    report: dict[str, Any] = {"alerts": [alert], "rollbacks": [{**decision, "at": 20.0}]}
    arm = {"bad": 1, "total": 10}
    gate = {"name": HOSTILE, "closed": False, "enough_samples": False, "p_value": None}
    canary = {
        "variant": HOSTILE,
        "baseline_variant": "b",
        "gates": [{**gate, "canary": arm, "baseline": arm}],
    }
    for svg in (
        _alerts_chart(report, timeline),
        _budget_chart(timeline),
        _canary_chart(canary),
        _findings_chart(timeline, [HOSTILE]),
    ):
        assert "<script" not in svg
        assert ESCAPED in svg


def test_empty_run_renders() -> None:
    """No exchanges, alerts or gates still gives valid charts that say so."""
    timeline = Timeline()
    assert "no canary gates configured" in _canary_chart(None)
    assert "no alerts fired" in _alerts_chart({"alerts": [], "rollbacks": []}, timeline)
    assert "no SLO saw an exchange" in _budget_chart(timeline)
    assert 'id="chart-findings"' in _findings_chart(timeline, [])
