"""Output records: the verdict of an exchange and the review item of an escalation.

Neither ever carries raw prompt or response text. The review item carries texts with PII
spans replaced by `<ENTITY>` placeholders, so a reviewer sees what was flagged without the
personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from msgspec import Struct

from sentinel.events.exchange import Exchange
from sentinel.filters.redact import redact
from sentinel.filters.texts import exchange_fields
from sentinel.values import ACTION_RANK, Accounted, Finding, Verdict

# A review item shows at most this many texts, of at most this many characters each.
_REVIEW_TEXTS = 32
_REVIEW_TEXT_CHARS = 4000
_PII = "pii"  # the PII filter's name in verdicts (partial scans, failed filters, findings)


class FindingOut(Struct, frozen=True, gc=False, omit_defaults=True):
    """One finding as verdict and review records carry it (`leak` only when true)."""

    filter: str
    category: str
    severity: str
    field: str
    start: int
    end: int
    score: float
    rule_id: str
    action: str
    leak: bool = False


class TokensOut(Struct, frozen=True, gc=False):
    input: int
    output: int
    cached_input: int
    cache_write: int
    reasoning: int


class ScanOut(Struct, frozen=True, gc=False):
    complete: bool
    skipped_chars: int
    partial: dict[str, str]
    failed_filters: tuple[str, ...]


class VerdictRecord(Struct, frozen=True, gc=False, omit_defaults=True):
    """`sentinel.verdict.v1`, encoded as its fields in this order (docs/events.md).

    A msgspec struct, built and encoded once per exchange: a third of the cost of the
    nested dictionaries it replaces, the same JSON byte for byte
    (tests/unit/test_records.py compares)."""

    schema: str
    request_id: str
    event_ids: tuple[str, ...]
    kind: str
    event_time: float
    service: str
    endpoint: str
    feature: str
    model: str
    variant: str
    status: str
    latency_ms: float | None
    ttft_ms: float | None
    tokens: TokensOut
    cost_usd: float
    action: str
    findings: tuple[FindingOut, ...]
    scores: dict[str, float]
    scan: ScanOut
    findings_omitted: int = 0  # beyond the record's limit (encoded only when some were)


_NO_PARTIAL: dict[str, str] = {}  # encoded only, never changed
_NO_SCORES: dict[str, float] = {}


def finding_out(f: Finding) -> FindingOut:
    return FindingOut(
        f.filter,
        f.category,
        f.severity,
        f.field,
        f.start,
        f.end,
        round(f.score, 4),
        f.rule_id,
        f.action,
        f.leak,
    )


def verdict_record(item: Accounted, verdict: Verdict, max_findings: int) -> VerdictRecord:
    """The record of one exchange; at most `max_findings` findings (the most severe
    actions first, then in the chain's order) and how many more there were: one output
    full of phone numbers must not make a record the topic refuses."""
    exchange, tokens = item.exchange, item.tokens
    service, endpoint, feature, model, variant = item.labels
    partial, scores = verdict.partial, verdict.scores
    findings, omitted = verdict.findings, 0
    if len(findings) > max_findings:
        findings, omitted = most_severe(findings, max_findings), len(findings) - max_findings
    return VerdictRecord(
        "sentinel.verdict.v1",
        exchange.request_id,
        _event_ids(exchange),
        exchange.kind,
        item.event_time,
        service,
        endpoint,
        feature,
        model,
        variant,
        item.outcome,
        item.latency_ms,
        item.ttft_ms,
        TokensOut(
            tokens.input, tokens.output, tokens.cached_input, tokens.cache_write, tokens.reasoning
        ),
        item.cost.total,
        verdict.action,
        tuple(map(finding_out, findings)) if findings else (),
        {name: round(value, 4) for name, value in scores} if scores else _NO_SCORES,
        ScanOut(
            verdict.complete,
            verdict.skipped_bytes,
            dict(partial) if partial else _NO_PARTIAL,
            verdict.failed_filters,
        ),
        omitted,
    )


def most_severe(findings: Sequence[Finding], limit: int) -> tuple[Finding, ...]:
    """`limit` findings: those of the most severe actions first, ties in their order;
    returned in their order (the finding that decided the verdict's action is among them)."""
    ranked = sorted(range(len(findings)), key=lambda i: -ACTION_RANK[findings[i].action])
    return tuple(findings[i] for i in sorted(ranked[:limit]))


def review_record(item: Accounted, verdict: Verdict, max_findings: int) -> dict[str, Any]:
    """The verdict plus the flagged texts with PII redacted, for a human reviewer: at most
    `_REVIEW_TEXTS` texts (the rest counted in `texts_omitted`) of `_REVIEW_TEXT_CHARS`
    characters each. Every PII finding is redacted, also those the record leaves out.

    When the PII filter did not read every text (its time budget ran out, it failed, or
    the byte budget left text unscanned), no text is shown: what it did not read may hold
    personal data nobody redacted. `texts_withheld` says why."""
    withheld = _pii_unread(verdict)
    if withheld is not None:
        return {
            **msgspec.to_builtins(verdict_record(item, verdict, max_findings)),
            "schema": "sentinel.review.v1",
            "texts": {},
            "texts_withheld": withheld,
        }
    flagged: set[str] = set()
    pii: dict[str, list[Finding]] = {}
    for f in verdict.findings:
        flagged.add(f.field)
        if f.filter == _PII:
            pii.setdefault(f.field, []).append(f)
    fields, _ = exchange_fields(item.exchange, max_bytes=1 << 30)
    shown = [f for f in fields if f.name in flagged or f.kind in ("user", "output")]
    texts = {
        field.name: redact(field.text, pii.get(field.name, []))[:_REVIEW_TEXT_CHARS]
        for field in shown[:_REVIEW_TEXTS]
    }
    verdict_fields: dict[str, Any] = msgspec.to_builtins(
        verdict_record(item, verdict, max_findings)
    )
    record = {**verdict_fields, "schema": "sentinel.review.v1", "texts": texts}
    if len(shown) > _REVIEW_TEXTS:
        record["texts_omitted"] = len(shown) - _REVIEW_TEXTS
    return record


def _pii_unread(verdict: Verdict) -> str | None:
    """Why the PII filter may have left personal data unread in the texts, or None."""
    if _PII in verdict.failed_filters:
        return "pii_filter_failed"
    for name, reason in verdict.partial:
        if name == _PII:
            return f"pii_scan_partial:{reason}"
    if verdict.skipped_bytes:
        return "byte_budget"
    return None


def _event_ids(exchange: Exchange) -> tuple[str, ...]:
    """The ids of the exchange's events, sorted, each once."""
    request, response = exchange.request, exchange.response
    if request is None or response is None:
        return ((request or response).event_id,)  # type: ignore[union-attr]  # one is set
    a, b = request.event_id, response.event_id
    if a == b:
        return (a,)
    return (a, b) if a < b else (b, a)
