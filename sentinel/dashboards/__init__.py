"""Grafana dashboards for sentinel, written as code and rendered to `dashboards/*.json`.

One module per dashboard builds it with grafana-foundation-sdk (`layout.py` is the only
module that knows the SDK); every PromQL query comes from `promql.py`, which builds it from
the metric-name constants in `sentinel.telemetry.names`. The JSON is committed and a test
fails when it drifts from the code: regenerate with `python -m sentinel.dashboards`.
"""

from __future__ import annotations

from sentinel.dashboards.render import DASHBOARDS, build_all, check, render, write_all

__all__ = ["DASHBOARDS", "build_all", "check", "render", "write_all"]
