"""Output records: the verdict of an exchange and the review item of an escalation.

Neither ever carries raw prompt or response text. The review item carries texts with PII
spans replaced by `<ENTITY>` placeholders, so a reviewer sees what was flagged without the
personal data.
"""

from __future__ import annotations

from typing import Any

from sentinel.events.exchange import Exchange
from sentinel.filters.redact import redact
from sentinel.filters.texts import exchange_fields
from sentinel.values import Accounted, Finding, Verdict

# A review item shows at most this many characters of each text.
_REVIEW_TEXT_CHARS = 4000


def finding_dict(f: Finding) -> dict[str, Any]:
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


def verdict_record(item: Accounted, verdict: Verdict) -> dict[str, Any]:
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
        "findings": [finding_dict(f) for f in verdict.findings],
        "scores": {name: round(value, 4) for name, value in verdict.scores},
        "scan": {
            "complete": verdict.complete,
            "skipped_chars": verdict.skipped_bytes,
            "partial": dict(verdict.partial),
            "failed_filters": list(verdict.failed_filters),
        },
    }


def review_record(item: Accounted, verdict: Verdict) -> dict[str, Any]:
    """The verdict plus the flagged texts with PII redacted, for a human reviewer."""
    by_field: dict[str, list[Finding]] = {}
    for f in verdict.findings:
        by_field.setdefault(f.field, []).append(f)
    fields, _ = exchange_fields(item.exchange, max_bytes=1 << 30)
    texts = {}
    for field in fields:
        if field.name in by_field or field.kind in ("user", "output"):
            pii = [f for f in verdict.findings if f.filter == "pii" and f.field == field.name]
            texts[field.name] = redact(field.text, pii)[:_REVIEW_TEXT_CHARS]
    return {**verdict_record(item, verdict), "schema": "sentinel.review.v1", "texts": texts}


def _event_ids(exchange: Exchange) -> list[str]:
    return sorted({e.event_id for e in (exchange.request, exchange.response) if e is not None})
