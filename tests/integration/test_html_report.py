"""`sentinel replay --html` rendered by a real headless Chromium: every chart draws."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SENTINEL = Path(sys.executable).with_name("sentinel")
CHARTS = (
    "chart-alerts",
    "chart-budget",
    "chart-latency",
    "chart-canary",
    "chart-cost",
    "chart-findings",
)
CHROMIUM_TIMEOUT_S = 120  # a cold first start in CI can take a while
MIN_PNG_BYTES = 20_000  # a blank page is a few KB; six filled charts are far more


def chromium(user_data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    assert binary, "chromium not found: run scripts/install-system-deps.sh"
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={user_data}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=CHROMIUM_TIMEOUT_S,
        check=True,
    )


def replay_html(tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    subprocess.run(
        [str(SENTINEL), "replay", "--html", str(out)],  # the packaged rules
        capture_output=True,
        check=True,
        cwd=ROOT,
        timeout=300,
    )
    return out


def test_chromium_renders_every_chart(tmp_path: Path) -> None:
    """The DOM Chromium builds holds each chart's svg with drawn shapes, and a screenshot
    of the page is not blank."""
    report = replay_html(tmp_path)
    dom = chromium(tmp_path / "profile", "--dump-dom", report.as_uri()).stdout
    for chart in CHARTS:
        svg = re.search(rf'<svg[^>]*\bid="{chart}".*?</svg>', dom, re.S)
        assert svg is not None, f"{chart} missing from the rendered DOM"
        assert re.search(r"<(rect|path|polyline)\b", svg.group(0)), f"{chart} draws nothing"
    png = tmp_path / "report.png"
    chromium(
        tmp_path / "profile",
        "--window-size=1000,2900",
        f"--screenshot={png}",
        report.as_uri(),
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > MIN_PNG_BYTES
