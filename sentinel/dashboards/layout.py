"""Panels, variables and the dashboard frame, on grafana-foundation-sdk's builders.

The only module that knows the SDK: the dashboard modules say what to show (title, what to
look for, unit, queries) and this one says how (legend as a table, shared tooltip, the
templated datasource on every panel and every query).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grafana_foundation_sdk.builders import bargauge, common, dashboard, prometheus, stat, table
from grafana_foundation_sdk.builders import timeseries as ts
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from sentinel.dashboards.promql import Scope
from sentinel.telemetry import names as n

DATASOURCE_VARIABLE = "datasource"
DATASOURCE = cm.DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")
TAGS = ["sentinel", "llm"]
# Variables hold regexes: ".*" also matches series without the label (SLOs evaluated only
# per service have no `variant`); the linter's ".+" for job and instance, which every
# scraped series has.
ALL_ANY = ".*"
ALL_PRESENT = ".+"

Panel = Builder[dm.Panel]
Thresholds = Sequence[tuple[float, str]]  # (from value, colour); the base colour is green


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = "__auto"  # Grafana's default: the series' labels


def _target(query: Query, ref: str, instant: bool, fmt: PromQueryFormat) -> prometheus.Dataquery:
    target = (
        prometheus.Dataquery()
        .datasource(DATASOURCE)
        .expr(query.expr)
        .legend_format(query.legend)
        .ref_id(ref)
        .format(fmt)
    )
    return target.instant() if instant else target.range()


def _targets(
    queries: Sequence[Query],
    instant: bool = False,
    fmt: PromQueryFormat = PromQueryFormat.TIME_SERIES,
) -> list[Builder[Any]]:
    return [_target(q, chr(ord("A") + i), instant, fmt) for i, q in enumerate(queries)]


def _thresholds(steps: Thresholds) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(dm.ThresholdsMode.ABSOLUTE)
        .steps(
            [
                dm.Threshold(value=None, color="green"),
                *(dm.Threshold(round(v, 6), c) for v, c in sorted(steps)),
            ]
        )
    )


def timeseries(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    width: int = 12,
    height: int = 8,
    thresholds: Thresholds = (),
    stack: bool = False,
    min_value: float | None = 0,
) -> ts.Panel:
    """A time series with its legend as a table (mean, max, last) and a shared tooltip."""
    panel = (
        ts.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(height)
        .targets(_targets(queries))
        .line_width(1)
        .fill_opacity(10)
        .show_points(cm.VisibilityMode.NEVER)
        .span_nulls(False)
        .legend(
            common.VizLegendOptions()
            .display_mode(cm.LegendDisplayMode.TABLE)
            .placement(cm.LegendPlacement.BOTTOM)
            .show_legend(True)
            .calcs(["mean", "max", "lastNotNull"])
        )
        .tooltip(
            common.VizTooltipOptions()
            .mode(cm.TooltipDisplayMode.MULTI)
            .sort(cm.SortOrder.DESCENDING)
        )
    )
    if min_value is not None:
        panel.min(min_value)
    if stack:
        panel.stacking(common.StackingConfig().mode(cm.StackingMode.NORMAL)).fill_opacity(40)
    if thresholds:
        panel.thresholds(_thresholds(thresholds)).thresholds_style(
            common.GraphThresholdsStyleConfig().mode(cm.GraphThresholdsStyleMode.DASHED)
        )
    return panel


def stat_panel(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    width: int = 6,
    height: int = 4,
    thresholds: Thresholds = (),
    mappings: dict[str, tuple[str, str]] | None = None,
    instant: bool = False,
    decimals: int | None = None,
) -> stat.Panel:
    """A big number: the last value (a sparkline unless `instant`). `mappings` maps a
    value to (text, colour)."""
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(height)
        .targets(_targets(queries, instant))
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .graph_mode(cm.BigValueGraphMode.NONE if instant else cm.BigValueGraphMode.AREA)
        .color_mode(cm.BigValueColorMode.VALUE)
        .text_mode(cm.BigValueTextMode.AUTO)
    )
    if decimals is not None:
        panel.decimals(decimals)
    panel.thresholds(_thresholds(thresholds))
    if mappings:
        options = {
            value: dm.ValueMappingResult(text=text, color=colour, index=i)
            for i, (value, (text, colour)) in enumerate(mappings.items())
        }
        panel.mappings([dm.ValueMap(options=options)])
    return panel


def bar_gauge(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    width: int = 12,
    height: int = 8,
    thresholds: Thresholds = (),
    min_value: float = 0,
    max_value: float = 1,
) -> bargauge.Panel:
    """One bar per series (the last value), coloured by thresholds."""
    return (
        bargauge.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(height)
        .targets(_targets(queries, instant=True))
        .min(min_value)
        .max(max_value)
        .thresholds(_thresholds(thresholds))
        .display_mode(cm.BarGaugeDisplayMode.GRADIENT)
        .orientation(cm.VizOrientation.HORIZONTAL)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def table_panel(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    width: int = 24,
    height: int = 8,
) -> table.Panel:
    """Instant queries as a table, one row per series (the Time column hidden)."""
    return (
        table.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(height)
        .targets(_targets(queries, instant=True, fmt=PromQueryFormat.TABLE))
        .with_transformation(
            dm.DataTransformerConfig(
                id_val="organize", options={"excludeByName": {"Time": True}, "renameByName": {}}
            )
        )
    )


# ------------------------------------------------------------------------------ variables


def _label_variable(
    name: str, label: str, selector: str, description: str, all_value: str
) -> dashboard.QueryVariable:
    query = f"label_values({selector}, {name})"
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .description(description)
        .datasource(DATASOURCE)
        .query(query)
        .definition(query)
        .multi(True)
        .include_all(True)
        .all_value(all_value)
        .current(dm.VariableOption(selected=True, text="All", value="$__all"))
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_CASE_INSENSITIVE_ASC)
    )


def variables(scope: Scope, defaults: dict[str, list[str]] | None = None) -> list[Builder[Any]]:
    """The datasource variable, then one variable per name in `scope` (job, instance,
    service, model, variant, slo), whose values follow the earlier ones' selection (a
    model list for the chosen services). `defaults` preselects values instead of All."""
    out: list[Builder[Any]] = [
        dashboard.DatasourceVariable(DATASOURCE_VARIABLE)
        .label("Data source")
        .description("The Prometheus that scrapes sentinel.")
        .type("prometheus")
    ]
    upstream: list[str] = []
    for name in scope.variables:
        metric, chained_on, label, description = _VARIABLES[name]
        source = Scope(tuple(v for v in upstream if v in chained_on)).sel(metric)
        all_value = ALL_PRESENT if name in ("job", "instance") else ALL_ANY
        variable = _label_variable(name, label, source, description, all_value)
        if defaults and name in defaults:
            chosen = defaults[name]
            variable.current(dm.VariableOption(selected=True, text=chosen, value=chosen))
        out.append(variable)
        upstream.append(name)
    return out


def text_variable(name: str, label: str, description: str, default: str) -> Builder[Any]:
    """A free-text variable (e.g. a name from the rules that a query needs)."""
    return (
        dashboard.TextBoxVariable(name)
        .label(label)
        .description(description)
        .default_value(default)
        .current(dm.VariableOption(selected=True, text=default, value=default))
    )


# name: (series its values come from, variables it is chained on, label, description)
_VARIABLES: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "job": (n.BUILD_INFO, (), "Job", "The scrape job(s) of the sentinel deployment(s) to show."),
    "instance": (
        n.BUILD_INFO,
        ("job",),
        "Instance",
        "sentinel replicas (each consumes its share of the partitions).",
    ),
    "service": (
        n.EXCHANGES,
        ("job",),
        "Service",
        "The calling application (event field `service`).",
    ),
    "model": (
        n.EXCHANGES,
        ("job", "service"),
        "Model",
        "The model that answered (bounded by rules/labels.yaml; `other` past the bound).",
    ),
    "variant": (
        n.EXCHANGES,
        ("job", "service"),
        "Variant",
        "Deployment variant (baseline, canary, ...); `unknown` when events carry none.",
    ),
    "slo": (n.SLO_EVENTS, ("job",), "SLO", "Objectives from rules/slos.yaml."),
}


# ------------------------------------------------------------------------------ the frame


class Board:
    """A dashboard being laid out: rows, then panels left to right, top to bottom."""

    def __init__(
        self, uid: str, title: str, description: str, variable_list: list[Builder[Any]]
    ) -> None:
        self._dashboard = (
            dashboard.Dashboard(title)
            .uid(uid)
            .description(description)
            .tags(TAGS)
            .readonly()  # the JSON in git is the source; UI edits would be overwritten
            .time("now-6h", "now")
            .refresh("1m")
            .timezone("browser")
            .tooltip(dm.DashboardCursorSync.CROSSHAIR)
            .variables(variable_list)
            .link(
                dashboard.DashboardLink("sentinel dashboards")
                .type(dm.DashboardLinkType.DASHBOARDS)
                .tags(["sentinel"])
                .as_dropdown(True)
                .include_vars(True)
                .keep_time(True)
            )
        )
        self._next_id = 1

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def row(self, title: str) -> None:
        self._dashboard.with_row(dashboard.Row(title).id(self._id()))

    def add(self, *panels: Any) -> None:
        for panel in panels:
            self._dashboard.with_panel(panel.id(self._id()))

    def annotation(self, name: str, expr: str, title: str, text: str, tags: str) -> None:
        """Marks on every time series where `expr` has a sample (e.g. `increase(...) > 0`)."""
        self._dashboard.annotation(
            dashboard.AnnotationQuery()
            .name(name)
            .datasource(DATASOURCE)
            .enable(True)
            .icon_color("red")
            .expr(expr)
            .title_format(title)
            .text_format(text)
            .tag_keys(tags)
            .use_value_for_time(False)
        )

    def to_json(self) -> dict[str, Any]:
        """The dashboard model as plain JSON data."""
        data: dict[str, Any] = json.loads(json.dumps(self._dashboard.build(), cls=JSONEncoder))
        # The SDK puts links and annotation toggles into Grafana 12's controls menu
        # (`placement: inControlsMenu`); leave them where every Grafana version shows them.
        for item in [*data.get("links", []), *data.get("annotations", {}).get("list", [])]:
            item.pop("placement", None)
        return data
