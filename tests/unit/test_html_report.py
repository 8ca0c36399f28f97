"""The HTML replay report: self-contained, four charts, labels escaped."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from sentinel.cli import main
from sentinel.html_report import _canary_chart, _findings_chart
from sentinel.track.timeline import Bucket, Timeline, VariantCounts

RULES = str(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
HOSTILE = '<script>alert("x")</script>&'


def replay_html(tmp_path: Path) -> str:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        main, ["replay", "--rules", RULES, "--report", "json", "--html", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_replay_html_is_self_contained(tmp_path: Path) -> None:
    """The page loads nothing: no scripts, no stylesheet links, no http(s) URLs."""
    page = replay_html(tmp_path)
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    # the only URL is the SVG namespace, which is an identifier, never fetched
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}


def test_replay_html_has_the_four_charts(tmp_path: Path) -> None:
    """Each chart is an svg with its id, a title and axis labels, and data shapes."""
    page = replay_html(tmp_path)
    for chart in ("chart-latency", "chart-cost", "chart-findings", "chart-canary"):
        svg = re.search(rf'<svg id="{chart}".*?</svg>', page, re.S)
        assert svg is not None, chart
        assert "<title>" in svg.group(0)
        assert 'class="x-label"' in svg.group(0) and 'class="y-label"' in svg.group(0)
        assert re.search(r"<(rect|path|polyline)\b", svg.group(0)), chart
    assert 'id="summary"' in page


def test_labels_are_escaped() -> None:
    """Variant and category labels are HTML-escaped wherever they are drawn."""
    timeline = Timeline()
    timeline.variants[HOSTILE] = VariantCounts(exchanges=2, failed=1, cost_usd=0.5)
    timeline.buckets[0] = Bucket(exchanges=1, findings=Counter({HOSTILE: 3}))
    for svg in (_canary_chart(timeline), _findings_chart(timeline, [HOSTILE])):
        assert "<script" not in svg
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in svg


def test_empty_run_renders() -> None:
    """No exchanges still gives valid charts (no division by zero)."""
    timeline = Timeline()
    assert 'id="chart-canary"' in _canary_chart(timeline)
    assert 'id="chart-findings"' in _findings_chart(timeline, [])
