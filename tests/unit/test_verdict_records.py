"""Verdict and review records as msgspec structs encode to the same bytes as the
dictionaries they replaced, on the bundled sample's exchanges and verdicts."""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import threading
from importlib import resources
from typing import Any

import msgspec
from prometheus_client import CollectorRegistry

from sentinel.events.exchange import Exchange
from sentinel.health import Health
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.observers import Observer
from sentinel.records import review_record, verdict_record
from sentinel.rules.loader import load_rules
from sentinel.runner import Runner
from sentinel.values import Accounted, Finding, Verdict
from sentinel.wiring import PipelineSettings, assemble

with gzip.open(str(resources.files("sentinel") / "data" / "sample-traffic.jsonl.gz")) as _f:
    SAMPLE = [line for line in itertools.islice(_f, 1200) if line.strip()]
ENCODE = msgspec.json.Encoder().encode


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "filter": f.filter,
        "category": f.category,
        "severity": f.severity,
        "field": f.field,
        "start": f.start,
        "end": f.end,
        "score": round(f.score, 4),
        "rule_id": f.rule_id,
        "action": f.action,
        **({"leak": True} if f.leak else {}),
    }


def _event_ids(exchange: Exchange) -> list[str]:
    return sorted({e.event_id for e in (exchange.request, exchange.response) if e is not None})


def dict_verdict_record(item: Accounted, verdict: Verdict) -> dict[str, Any]:
    """The verdict record as the dictionaries built it (the reference)."""
    exchange, tokens = item.exchange, item.tokens
    service, endpoint, feature, model, variant = item.labels
    return {
        "schema": "sentinel.verdict.v1",
        "request_id": exchange.request_id,
        "event_ids": _event_ids(exchange),
        "kind": exchange.kind,
        "event_time": item.event_time,
        "service": service,
        "endpoint": endpoint,
        "feature": feature,
        "model": model,
        "variant": variant,
        "status": item.outcome,
        "latency_ms": item.latency_ms,
        "ttft_ms": item.ttft_ms,
        "tokens": {
            "input": tokens.input,
            "output": tokens.output,
            "cached_input": tokens.cached_input,
            "cache_write": tokens.cache_write,
            "reasoning": tokens.reasoning,
        },
        "cost_usd": item.cost.total,
        "action": verdict.action,
        "findings": [_finding(f) for f in verdict.findings],
        "scores": {name: round(value, 4) for name, value in verdict.scores},
        "scan": {
            "complete": verdict.complete,
            "skipped_chars": verdict.skipped_bytes,
            "partial": dict(verdict.partial),
            "failed_filters": list(verdict.failed_filters),
        },
    }


def _judged() -> list[tuple[Accounted, Verdict]]:
    judged: list[tuple[Accounted, Verdict]] = []

    class Told(Observer):  # every exchange the pipeline judged, with its verdict
        def exchange(self, item: Accounted, verdict: Verdict) -> None:
            judged.append((item, verdict))

    sink = MemorySink()
    settings = PipelineSettings(scan_time_budget=False)
    built = assemble(load_rules(), settings, CollectorRegistry(), sink, observers=(Told(),))
    Runner(MemorySource(SAMPLE), built.pipeline, sink, Health()).run(threading.Event())
    return judged


def test_verdict_and_review_records_encode_as_the_dictionaries_did() -> None:
    """Every exchange of the sample (complete, timeouts, orphans; findings, scores), and each
    verdict again as a partial, failed scan with leaks, encodes byte for byte as before."""
    judged = _judged()
    cut_short = {
        "partial": (("pii", "byte_budget"), ("content", "time_budget")),
        "skipped_bytes": 4096,
        "failed_filters": ("hallucination",),
    }
    for item, verdict in judged:
        leaks = tuple(dataclasses.replace(f, leak=True) for f in verdict.findings)
        for v in (verdict, dataclasses.replace(verdict, findings=leaks, **cut_short)):
            assert ENCODE(verdict_record(item, v, 100)) == ENCODE(dict_verdict_record(item, v))
            reference = {**dict_verdict_record(item, v), "schema": "sentinel.review.v1"}
            review = review_record(item, v, 100)
            withheld = review.pop("texts_withheld", None)
            assert ENCODE({**review, "texts": None}) == ENCODE({**reference, "texts": None})
            assert withheld == (None if v is verdict else "pii_scan_partial:byte_budget")
    kinds = {item.exchange.kind for item, _ in judged}
    findings = [f for _, v in judged for f in v.findings]
    assert kinds == {"complete", "timeout", "orphan_response"}
    assert len(findings) > 10
    assert any(v.scores for _, v in judged)


def test_review_items_show_no_text_the_pii_filter_did_not_read() -> None:
    """A review item of an exchange whose PII scan was cut short, failed or left bytes
    unscanned shows no text (it may hold unredacted personal data) and says why."""
    judged = [(item, v) for item, v in _judged() if v.findings]
    item, verdict = judged[0]
    assert review_record(item, verdict, 100)["texts"]  # read in full: texts shown
    cases = {
        "pii_scan_partial:time_budget": {"partial": (("pii", "time_budget"),)},
        "pii_filter_failed": {"failed_filters": ("pii",)},
        "byte_budget": {"skipped_bytes": 10},
    }
    for reason, change in cases.items():
        review = review_record(item, dataclasses.replace(verdict, **change), 100)
        assert review["texts"] == {} and review["texts_withheld"] == reason
    other = dataclasses.replace(verdict, partial=(("content", "time_budget"),))
    assert "texts_withheld" not in review_record(item, other, 100)
