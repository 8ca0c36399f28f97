"""Build every dashboard, render it as stable JSON, write or compare the committed files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentinel.dashboards import canary, cost, internals, overview, safety, slos

# file name (without .json) -> builder; the file name is also the Helm ConfigMap's suffix.
DASHBOARDS: dict[str, Callable[[], dict[str, Any]]] = {
    "sentinel-overview": overview.build,
    "sentinel-cost": cost.build,
    "sentinel-safety": safety.build,
    "sentinel-slos": slos.build,
    "sentinel-canary": canary.build,
    "sentinel-self": internals.build,
}


def build_all() -> dict[str, dict[str, Any]]:
    """Every dashboard's JSON model, by file name."""
    return {name: build() for name, build in DASHBOARDS.items()}


def render(model: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, a final newline (diffs stay small)."""
    return json.dumps(model, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(out_dir: Path) -> list[Path]:
    """Write `<name>.json` for every dashboard into `out_dir`; remove stale ones."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in build_all().items():
        path = out_dir / f"{name}.json"
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    for stale in set(out_dir.glob("*.json")) - set(written):
        stale.unlink()
    return written


def check(out_dir: Path) -> list[str]:
    """Files in `out_dir` that differ from what the code generates (empty: up to date)."""
    expected = {f"{name}.json": render(model) for name, model in build_all().items()}
    present = {p.name for p in out_dir.glob("*.json")}
    problems = [f"{name}: stale, not generated" for name in sorted(present - set(expected))]
    for name, text in expected.items():
        path = out_dir / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: differs from the generated dashboard")
    return problems
