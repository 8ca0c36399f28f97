"""Every query of every generated dashboard returns data from a real Prometheus that scrapes
a real `sentinel run`, which consumed the bundled sample traffic from a real Kafka broker,
with the generated SLO recording rules loaded."""

from __future__ import annotations

import gzip
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from _kafka import MAX_MESSAGE_BYTES
from _prometheus import PrometheusHandle
from _sentinel import REPO_ROOT, SentinelProc, start_sentinel, total
from kafka import KafkaProducer

from sentinel.dashboards import build_all
from sentinel.dashboards.promql import HISTOGRAMS, SENTINEL_LABELS
from sentinel.telemetry import names as n

SAMPLE = REPO_ROOT / "sentinel" / "data" / "sample-traffic.jsonl.gz"
SLO_RULES = REPO_ROOT / "deploy" / "prometheus" / "slo-rules.yaml"
# Grafana's own variables as a 1 s scrape interval and a few minutes of test make them.
BUILTINS = {"__rate_interval": "1m", "__range": "15m", "__interval": "15s"}
# Sent in chunks a little apart, so that Prometheus (1 s scrapes) sees counters rise and
# rate() has something to show.
CHUNKS = 10
CHUNK_PAUSE_S = 0.5

# Queries that legitimately return nothing after a few minutes of healthy sample traffic,
# keyed by (dashboard uid, panel title). The test fails if one of them returns data, so
# the list stays honest.
_NO_DECISION = (
    "the sample's canary has about a hundred exchanges, under every rollback gate's "
    "min_samples_per_variant (500): no decision is taken"
)
NO_DATA: dict[tuple[str, str], str] = {
    ("sentinel-canary", "Rollback decisions by variant, gate and decision"): _NO_DECISION,
    ("sentinel-canary", "annotation: Rollback decisions"): _NO_DECISION,
    ("sentinel-cost", "Spend-guard trips"): (
        "no spend guard trips on the sample traffic: sentinel_spend_guard_trips_total has "
        "no series until a guard trips"
    ),
    ("sentinel-self", "Alert deliveries per second by receiver and result"): (
        "rules/alerting.yaml configures no receiver, so no delivery series exist"
    ),
    ("sentinel-safety", "PII leaks per second by service and model"): (
        "every PII value in the sample's outputs is one the user typed: none is a leak"
    ),
    ("sentinel-safety", "Injections followed per second"): (
        "no answer in the sample carries out an instruction from its context, so "
        "sentinel_injection_followed_total has no series"
    ),
}
# Panels that may legitimately be empty (xfail when empty, pass when they have data).
PENDING: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class PanelQuery:
    uid: str
    panel: str
    ref: str
    expr: str  # as written in the dashboard, variables unexpanded

    @property
    def key(self) -> tuple[str, str]:
        return (self.uid, self.panel)


# --------------------------------------------------------------------- the dashboards


def _variable_values(model: dict[str, Any]) -> dict[str, str]:
    """What each variable expands to at the dashboard's defaults: a query variable's All is
    its allValue (a regex), a multi-value selection becomes `a|b`."""
    values = dict(BUILTINS)
    for variable in model["templating"]["list"]:
        current = variable.get("current", {}).get("value", "")
        if variable["type"] == "datasource":
            continue
        if current == "$__all":
            values[variable["name"]] = variable["allValue"]
        elif isinstance(current, list):
            values[variable["name"]] = "|".join(current)
        else:
            values[variable["name"]] = current
    return values


def expand(expr: str, values: dict[str, str]) -> str:
    """Replace `$name` and `${name}` as Grafana would (longest names first)."""
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace(f"${{{name}}}", values[name])
        expr = re.sub(rf"\${re.escape(name)}\b", lambda _, v=values[name]: v, expr)
    if "$" in expr.replace("$__all", ""):
        raise AssertionError(f"unexpanded variable in {expr!r}")
    return expr


def _label_values_as_promql(query: str) -> str:
    """`label_values(sel, label)` -> `group by (label) (sel)`: non-empty when it has values."""
    m = re.fullmatch(r"label_values\((.+), (\w+)\)", query)
    assert m, query
    return f"group by ({m.group(2)}) ({m.group(1)})"


def all_queries() -> list[tuple[PanelQuery, str]]:
    """Every panel target, annotation and variable query, with variables expanded."""
    out = []
    for model in build_all().values():
        uid, values = model["uid"], _variable_values(model)
        for panel in model["panels"]:
            for target in panel.get("targets", []):
                q = PanelQuery(uid, panel["title"], target["refId"], target["expr"])
                out.append((q, expand(q.expr, values)))
        for annotation in model.get("annotations", {}).get("list", []):
            q = PanelQuery(uid, f"annotation: {annotation['name']}", "", annotation["expr"])
            out.append((q, expand(q.expr, values)))
        for variable in model["templating"]["list"]:
            if variable["type"] == "query":
                promql = _label_values_as_promql(variable["query"])
                q = PanelQuery(uid, f"variable: {variable['name']}", "", promql)
                out.append((q, expand(promql, values)))
    return out


# ------------------------------------------------------------------ traffic and servers


def _sample_records() -> list[tuple[bytes | None, bytes]]:
    """The bundled sample, one Kafka record per line, keyed by request_id when it has one."""
    records: list[tuple[bytes | None, bytes]] = []
    with gzip.open(SAMPLE, "rb") as f:
        for line in f:
            value = line.rstrip(b"\n")
            if not value:
                continue
            try:
                document = json.loads(value)
            except ValueError:
                document = None
            rid = document.get("request_id") if isinstance(document, dict) else None
            records.append((rid.encode() if isinstance(rid, str) else None, value))
    return records


def _produce_slowly(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", max_request_size=MAX_MESSAGE_BYTES
    )
    try:
        size = len(records) // CHUNKS + 1
        for start in range(0, len(records), size):
            futures = [
                producer.send(topic, value=v, key=k) for k, v in records[start : start + size]
            ]
            producer.flush(timeout=60)
            for future in futures:
                future.get(timeout=30)
            time.sleep(CHUNK_PAUSE_S)
    finally:
        producer.close()


@dataclass
class Stack:
    sentinel: SentinelProc
    prometheus: PrometheusHandle
    events: int


@pytest.fixture(scope="module")
def stack(
    kafka_bootstrap: str,
    create_topic: Callable[..., None],
    prometheus_factory: Callable[..., PrometheusHandle],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """sentinel has consumed the sample traffic; Prometheus has scraped it all and
    evaluated the SLO rules on it."""
    suffix = uuid.uuid4().hex[:8]
    topics = {kind: f"it-dash-{kind}-{suffix}" for kind in ("events", "dlq", "verdicts")}
    create_topic(kafka_bootstrap, topics["events"], 3)
    create_topic(kafka_bootstrap, topics["dlq"], 1)
    create_topic(kafka_bootstrap, topics["verdicts"], 1)
    sentinel = start_sentinel(
        tmp_path_factory.mktemp("sentinel"),
        kafka_bootstrap,
        topics["events"],
        f"it-dash-group-{suffix}",
        topics["dlq"],
        topics["verdicts"],
    )
    try:
        prom = prometheus_factory([f"127.0.0.1:{sentinel.port}"], rule_files=[SLO_RULES])
        prom.wait_for('up{job="sentinel"} == 1', timeout_s=30)
        records = _sample_records()
        _produce_slowly(kafka_bootstrap, topics["events"], records)
        sentinel.wait_metrics(
            lambda s: total(s, n.EVENTS_READ) >= len(records) and total(s, n.COMMITS) > 0,
            timeout_s=180,
            what=f"all {len(records)} sample events read",
        )
        prom.wait_for(
            f"sum({n.EVENTS_READ}) >= {len(records)}", timeout_s=30
        )  # scraped after the last batch
        prom.wait_for("count(slo:period_error_budget_remaining:ratio)", timeout_s=30)
        time.sleep(3)  # one more rule evaluation over the final scrape
        yield Stack(sentinel, prom, len(records))
    finally:
        sentinel.stop()


# ----------------------------------------------------------------------------- tests

QUERIES = all_queries()


def test_sentinel_consumed_the_whole_sample(stack: Stack) -> None:
    """The sample's events were all read and some went to the dead-letter topic."""
    samples = stack.sentinel.metrics()
    assert total(samples, n.EVENTS_READ) == stack.events
    assert total(samples, n.EVENTS_INVALID) > 0


@pytest.mark.parametrize(
    ("query", "promql"),
    QUERIES,
    ids=[f"{q.uid}: {q.panel} {q.ref}".strip() for q, _ in QUERIES],
)
def test_dashboard_query_returns_data(stack: Stack, query: PanelQuery, promql: str) -> None:
    """Prometheus accepts the query, and it returns series (or is listed in NO_DATA)."""
    result = stack.prometheus.query(promql)
    if query.key in NO_DATA:
        assert not result, f"{query.key} returned data: remove it from NO_DATA\n{promql}"
    elif not result and query.key in PENDING:
        pytest.xfail(PENDING[query.key])
    else:
        assert result, f"no data for {query.uid} / {query.panel!r}:\n{promql}"


def test_exemptions_name_existing_panels() -> None:
    """Every NO_DATA and PENDING entry names a panel that exists (no stale exemptions)."""
    keys = {q.key for q, _ in QUERIES}
    assert sorted(set(NO_DATA) - keys) == []
    assert sorted(set(PENDING) - keys) == []


def _series_labels(prom: PrometheusHandle, name: str) -> set[str]:
    resp = requests.get(f"{prom.url}/api/v1/series", params={"match[]": name}, timeout=10)
    resp.raise_for_status()
    return {label for series in resp.json()["data"] for label in series} - {"__name__"}


def test_label_table_matches_the_scraped_series(stack: Stack) -> None:
    """Each scraped sentinel metric carries only labels declared in promql.SENTINEL_LABELS
    (a renamed label would otherwise make dashboard filters silently match nothing)."""
    undeclared = {}
    for name, declared in SENTINEL_LABELS.items():
        series = f"{name}_count" if name in HISTOGRAMS else name
        extra = _series_labels(stack.prometheus, series) - declared - {"job", "instance"}
        if extra:
            undeclared[name] = sorted(extra)
    assert undeclared == {}
