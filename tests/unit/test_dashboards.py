"""Generated Grafana dashboards: the committed JSON matches the code, and the checks of
Grafana's dashboard linter (grafana/dashboard-linter) that fit sentinel hold.

Linter rules enforced here:
  template-datasource-rule, template-job-rule, template-instance-rule (the "sentinel
  itself" dashboard), template-label-promql-rule, template-on-time-change-reload-rule,
  template-unused-rule, uneditable-rule, panel-datasource-rule (panels, targets and
  annotations), panel-title-description-rule, panel-units-rule, panel-no-targets-rule,
  target-rate-interval-rule (stricter: every range is $__rate_interval, or $__range for a
  total over the time range), target-counter-agg-rule, target-histogram-rule,
  target-job-rule (sentinel's own series), target-instance-rule (the "sentinel itself"
  dashboard).
Not applied, and why:
  target-job-rule on recording rules and ALERTS: the SLO rules aggregate every replica
  and job away, and an alert's labels are its own; target-instance-rule and the instance
  variable outside "sentinel itself": each replica consumes a share of the partitions, so a
  per-replica view of traffic, cost or safety is meaningless; target-legend-rule
  (`{{instance}} - ` prefixes): same reason. target-promql-rule is checked for balance
  here and by a real Prometheus parsing every query in
  tests/integration/test_dashboards_prometheus.py.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sentinel.dashboards as dashboards_package
from sentinel.dashboards import DASHBOARDS, build_all, check, render
from sentinel.dashboards import constants as c
from sentinel.dashboards.promql import SENTINEL_LABELS, Scope, known_series, labels_of
from sentinel.telemetry import names as n

ROOT = Path(__file__).parents[2]
COMMITTED = ROOT / "dashboards"
PACKAGE = Path(dashboards_package.__file__).parent
SLO_RULES = ROOT / "deploy" / "prometheus" / "slo-rules.yaml"
MODELS = build_all()
UIDS = {
    "sentinel-overview": "sentinel-overview",
    "sentinel-cost": "sentinel-cost",
    "sentinel-safety": "sentinel-safety",
    "sentinel-slos": "sentinel-slos",
    "sentinel-canary": "sentinel-canary",
    "sentinel-self": "sentinel-self",
}
SELF = "sentinel-self"  # the one dashboard where per-replica views make sense
# A subset of the linter's valid units (Grafana's value formats) that sentinel uses.
UNITS = {"s", "reqps", "cps", "short", "percentunit", "currencyUSD", "none"}
NUMERIC_PANELS = {"timeseries", "stat", "table", "bargauge", "gauge"}
TOKEN = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
KEYWORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring", "group_left",
    "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan", "le",
}  # fmt: skip
SENTINEL_NAMES = {v for k, v in vars(n).items() if k.isupper() and isinstance(v, str)}
IDS = list(MODELS)


def panels(model: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel but rows."""
    return (p for p in model["panels"] if p["type"] != "row")


def exprs(model: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every target and annotation."""
    for panel in panels(model):
        for target in panel["targets"]:
            yield f"{panel['title']} {target['refId']}", target["expr"]
    for annotation in model["annotations"].get("list", []):
        yield f"annotation {annotation['name']}", annotation["expr"]


def variables(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in model["templating"]["list"]}


def selectors(expr: str) -> list[tuple[str, str]]:
    """(series name, matchers text) of every `name{...}` in `expr`."""
    return re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}", expr)


def series_names(expr: str) -> set[str]:
    """Every series name `expr` selects, braces or not."""
    text = re.sub(r'"[^"]*"', "", expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for m in TOKEN.finditer(text):
        following = text[m.end() :].lstrip()
        if m.group() not in KEYWORDS and not following.startswith("("):
            names.add(m.group())
    return names


# ------------------------------------------------------------------------ generation


@pytest.mark.parametrize("name", IDS)
def test_committed_dashboard_matches_the_code(name: str) -> None:
    """dashboards/<name>.json equals what the code generates (python -m sentinel.dashboards)."""
    path = COMMITTED / f"{name}.json"
    assert path.exists(), f"{path} missing: run python -m sentinel.dashboards"
    assert path.read_text() == render(MODELS[name]), f"regenerate {path.name}"


def test_no_stale_or_missing_dashboard_files() -> None:
    """dashboards/ holds exactly the generated files."""
    assert check(COMMITTED) == []


def test_generation_is_deterministic() -> None:
    """Two builds render byte for byte the same (stable key order, ids and layout)."""
    assert {k: render(v) for k, v in build_all().items()} == {
        k: render(v) for k, v in MODELS.items()
    }


def test_uids_are_stable_and_unique() -> None:
    """Each dashboard keeps its uid (links and bookmarks depend on it)."""
    assert {name: model["uid"] for name, model in MODELS.items()} == UIDS
    assert set(DASHBOARDS) == set(UIDS)


@pytest.mark.parametrize("name", IDS)
def test_panel_ids_are_unique_and_panels_fit_the_grid(name: str) -> None:
    """Panel ids are unique; no panel overlaps another or leaves the 24-column grid."""
    model = MODELS[name]
    ids = [p["id"] for p in model["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for panel in model["panels"]:
        g = panel["gridPos"]
        assert g["x"] + g["w"] <= 24, panel["title"]
        mine = {
            (x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])
        }
        assert not cells & mine, f"{panel['title']} overlaps another panel"
        cells |= mine


# ----------------------------------------------------------------------- variables


@pytest.mark.parametrize("name", IDS)
def test_templated_prometheus_datasource(name: str) -> None:
    """template-datasource-rule: one datasource variable `datasource`, "Data source",
    of type prometheus."""
    found = [v for v in MODELS[name]["templating"]["list"] if v["type"] == "datasource"]
    assert [(v["name"], v["label"], v["query"]) for v in found] == [
        ("datasource", "Data source", "prometheus")
    ]


@pytest.mark.parametrize("name", IDS)
def test_job_service_model_variant_variables(name: str) -> None:
    """template-job-rule and the dashboard selectors: job (allValue .+), service, model,
    variant (label_values over sentinel_exchanges_total, allValue .* so that series without
    the label match All); instance only where per-replica views make sense."""
    found = variables(MODELS[name])
    expected = ["job", "service", "model", "variant"] + (["instance"] if name == SELF else [])
    for var in expected:
        v = found[var]
        assert v["type"] == "query" and v["multi"] and v["includeAll"], var
        assert v["datasource"]["uid"] == "${datasource}", var
        assert v["label"] == var.capitalize(), var
        assert v["allValue"] == (".+" if var in ("job", "instance") else ".*"), var
    for var in ("service", "model", "variant"):
        assert found[var]["query"].startswith(f"label_values({n.EXCHANGES}"), var
    assert ("instance" in found) == (name == SELF)


@pytest.mark.parametrize("name", IDS)
def test_query_variables_reload_on_time_change_and_use_valid_label_queries(name: str) -> None:
    """template-on-time-change-reload-rule and template-label-promql-rule: refresh on time
    range change; `label_values(<selector>, <label>)` over a known series and label."""
    for var in variables(MODELS[name]).values():
        if var["type"] != "query":
            continue
        assert var["refresh"] == 2, var["name"]
        m = re.fullmatch(r"label_values\(([a-zA-Z_:][\w:]*)(\{[^}]*\})?, (\w+)\)", var["query"])
        assert m, var["query"]
        assert m.group(3) == var["name"] and var["name"] in labels_of(m.group(1))


@pytest.mark.parametrize("name", IDS)
def test_every_query_variable_is_used(name: str) -> None:
    """template-unused-rule: each query variable appears in some panel query."""
    model = MODELS[name]
    used = " ".join(e for _, e in exprs(model))
    for var in variables(model).values():
        if var["type"] in ("query", "textbox"):
            assert f"${var['name']}" in used, var["name"]


def test_dashboards_are_not_editable() -> None:
    """uneditable-rule: the JSON in git is the source; UI edits would be overwritten."""
    assert all(model["editable"] is False for model in MODELS.values())


# -------------------------------------------------------------------------- panels


@pytest.mark.parametrize("name", IDS)
def test_every_panel_and_query_uses_the_datasource_variable(name: str) -> None:
    """panel-datasource-rule, for panels, their targets and annotations."""
    model = MODELS[name]
    refs = [p["datasource"] for p in panels(model)]
    refs += [t["datasource"] for p in panels(model) for t in p["targets"]]
    refs += [a["datasource"] for a in model["annotations"].get("list", [])]
    assert refs and all(r == {"type": "prometheus", "uid": "${datasource}"} for r in refs)


@pytest.mark.parametrize("name", IDS)
def test_every_panel_has_a_title_a_description_a_unit_and_targets(name: str) -> None:
    """panel-title-description-rule, panel-units-rule, panel-no-targets-rule."""
    for panel in panels(MODELS[name]):
        title = panel["title"]
        assert title and len(panel.get("description", "")) >= 40, title
        assert panel["targets"], title
        if panel["type"] in NUMERIC_PANELS:
            assert panel["fieldConfig"]["defaults"].get("unit") in UNITS, title


# ------------------------------------------------------------------------- queries


@pytest.mark.parametrize("name", IDS)
def test_every_range_is_the_rate_interval_or_the_dashboard_range(name: str) -> None:
    """target-rate-interval-rule, stricter: no hard-coded window anywhere; rate() uses
    $__rate_interval; increase() also $__range ("in the time range" totals)."""
    for where, expr in exprs(MODELS[name]):
        for fn, window in re.findall(r"(\w+)\([^()]*?\[([^\]]*)\]\)", expr):
            allowed = {"$__rate_interval"} | ({"$__range"} if fn == "increase" else set())
            assert fn in ("rate", "increase") and window in allowed, f"{where}: {fn}[{window}]"
        assert expr.count("[") == len(re.findall(r"\[\$__(rate_interval|range)\]", expr)), where


@pytest.mark.parametrize("name", IDS)
def test_counters_are_rated_and_buckets_quantiled(name: str) -> None:
    """target-counter-agg-rule (a `_total` series only inside rate/increase) and
    target-histogram-rule (a `_bucket` series only inside histogram_quantile)."""
    for where, expr in exprs(MODELS[name]):
        for m in re.finditer(r"([a-zA-Z_:][\w:]*)\{[^}]*\}(\[)?", expr):
            series = m.group(1)
            before = expr[: m.start()]
            if series.endswith("_total"):
                assert re.search(r"\b(rate|increase)\($", before) and m.group(2), where
            if series.endswith("_bucket"):
                assert "histogram_quantile(" in before, where


@pytest.mark.parametrize("name", IDS)
def test_job_and_instance_matchers(name: str) -> None:
    """target-job-rule on sentinel's own series (not on recording rules and ALERTS, which
    carry no job); target-instance-rule on the "sentinel itself" dashboard."""
    for where, expr in exprs(MODELS[name]):
        for series, matchers in selectors(expr):
            scraped = series in SENTINEL_LABELS or series.rsplit("_", 1)[0] in SENTINEL_LABELS
            if scraped or series == c.UP:
                assert 'job=~"$job"' in matchers, f"{where}: {series}"
                assert ('instance=~"$instance"' in matchers) == (name == SELF), where
            else:
                assert "job" not in matchers, f"{where}: {series}"


@pytest.mark.parametrize("name", IDS)
def test_every_series_is_a_sentinel_metric_a_recording_rule_or_a_builtin(name: str) -> None:
    """Every name a query selects comes from telemetry/names.py (sentinel's metrics and
    their histogram series) or dashboards/constants.py (recording rules, ALERTS, up)."""
    for where, expr in exprs(MODELS[name]):
        unknown = series_names(expr) - known_series()
        assert not unknown, f"{where}: {unknown}"
        for series in series_names(expr):
            if series.startswith("sentinel_"):
                base = re.sub(r"_(bucket|sum|count)$", "", series)
                assert series in SENTINEL_NAMES or base in SENTINEL_NAMES, where


@pytest.mark.parametrize("name", IDS)
def test_every_label_matched_exists_on_its_series(name: str) -> None:
    """A matcher on a label the series does not carry would silently match nothing."""
    for where, expr in exprs(MODELS[name]):
        for series, matchers in selectors(expr):
            for label in re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers):
                assert label in labels_of(series), f"{where}: {series} has no {label}"


@pytest.mark.parametrize("name", IDS)
def test_queries_are_balanced(name: str) -> None:
    """A cheap target-promql-rule: brackets and quotes balance (the integration test has
    Prometheus parse every query)."""
    for where, expr in exprs(MODELS[name]):
        text = re.sub(r'"[^"]*"', '""', expr)
        assert text.count('"') % 2 == 0, where
        stack: list[str] = []
        for ch in text:
            if ch in "([{":
                stack.append(ch)
            elif ch in ")]}":
                assert stack and "([{"[")]}".index(ch)] == stack.pop(), where
        assert not stack, where


def test_recorded_names_exist_in_the_generated_slo_rules() -> None:
    """Every recording rule a dashboard reads is one `sentinel slo-rules` wrote."""
    recorded = set(re.findall(r"record: (\S+)", SLO_RULES.read_text()))
    used = {
        series
        for model in MODELS.values()
        for _, expr in exprs(model)
        for series in series_names(expr)
        if series.startswith("slo:")
    }
    assert used and used <= recorded, used - recorded


def test_no_metric_name_is_typed_in_a_dashboard_module() -> None:
    """Dashboard modules take names from telemetry/names.py and constants.py: no string
    literal (docstrings aside) spells a sentinel metric or a recording rule."""
    pattern = re.compile(r"\bsentinel_[a-z_]+_(total|seconds|ratio|usd|messages|info)\b|slo:\w+")
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "constants.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        offenders += [
            f"{path.name}:{node.lineno}: {node.value[:60]}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and pattern.search(node.value)
        ]
    assert offenders == []


# ---------------------------------------------------------------------- the builder


def test_a_matcher_on_a_label_the_metric_lacks_fails_at_generation() -> None:
    """Scope.sel refuses labels the metric does not carry, naming both."""
    with pytest.raises(ValueError, match=r"sentinel_filter_duration_seconds has no label service"):
        Scope(("job",)).sel(n.FILTER_DURATION, service="support-bot")
    with pytest.raises(ValueError, match="unknown series 'sentinel_nope_total'"):
        Scope(("job",)).sel("sentinel_nope_total")


@pytest.mark.parametrize(
    ("variables_", "expected"),
    [
        (("job", "service"), 'sentinel_pii_leaks_total{job=~"$job", service=~"$service"}'),
        (("job", "service"), 'sentinel_filter_duration_seconds{job=~"$job"}'),
        (("slo", "service"), 'slo:objective:ratio{slo=~"$slo"}'),
    ],
    ids=["filters on labels the metric has", "skips labels it lacks", "recording rules too"],
)
def test_selectors_filter_on_the_variables_the_series_carries(
    variables_: tuple[str, ...], expected: str
) -> None:
    """A selector gets `label=~"$label"` for each dashboard variable its series carries."""
    name = expected.split("{")[0]
    assert Scope(variables_).sel(name) == expected
