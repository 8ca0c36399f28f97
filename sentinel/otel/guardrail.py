"""Verdicts as `apply_guardrail` spans with `gen_ai.guardrail.result` events.

Follows the OpenTelemetry GenAI guardrail conventions (development status): one span per
evaluated source (`input`: the prompt and context; `output`: the response and tool-call
arguments), `gen_ai.operation.name = apply_guardrail`, named `apply_guardrail sentinel`,
with sentinel's own result as the provider-native result (`gen_ai.guardrail.result.type =
action`, `.result.value` = sentinel's action, never translated into a generic verdict) and a
`gen_ai.guardrail.result` event per finding (policy = filter, rule id, risk category and
score). The conventions define a CLIENT span for calls to a remote guardrail; sentinel *is*
the guardrail and judges in-process, so its span is INTERNAL. Events are span events (sentinel
exports traces only). When the exchange came from an OTLP span, the guardrail span is its
child (same trace), so a trace view shows the model call and sentinel's verdict together.

`conventions: draft` keeps the older draft names (`run_guardrail`, `gen_ai.guardrail.
verdict.*`, `gen_ai.guardrail.security.*`) for one release, for dashboards built on them.

Never content: the opt-in `gen_ai.guardrail.content.*.value` attributes are never set;
texts appear only as a keyed hash (HMAC-SHA256 with a key the operator configures),
category names, rule ids and scores. Without a key, no hash is emitted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    TraceFlags,
    Tracer,
    set_span_in_context,
)

from sentinel.events.exchange import Exchange
from sentinel.values import ACTION_RANK, Finding, Verdict

Target = Literal["input", "output"]
Mode = Literal["off", "flagged", "all"]
Conventions = Literal["current", "draft"]
SPAN_NAME = "apply_guardrail sentinel"  # `apply_guardrail {gen_ai.guardrail.component.name}`
RESULT_EVENT = "gen_ai.guardrail.result"
RESULT_TYPE = "action"  # sentinel's native result field: allow, flag, redact, escalate, block
INPUT_HASH = "sentinel.guardrail.content.input.hash"  # no convention names a keyed hash
COMPONENT = "sentinel"
# The older draft's names (`conventions: draft`), kept for one release.
DRAFT_SPAN_NAME = "run_guardrail sentinel"
DRAFT_FINDING_EVENT = "gen_ai.guardrail.security.finding"
DRAFT_INPUT_HASH = "gen_ai.guardrail.security.content.input.hash"
MAX_FINDING_EVENTS = 32  # per span; the rest are counted in sentinel.findings.dropped
_TARGETS: tuple[Target, ...] = ("input", "output")
_OUTPUT_KINDS = frozenset({"output", "tool_call"})
# sentinel action -> the draft's (gen_ai.guardrail.verdict.type, .action.type)
VERDICT_TYPES: dict[str, tuple[str, str]] = {
    "allow": ("allow", "allow"),
    "flag": ("warn", "allow"),
    "redact": ("modify", "modify"),
    "escalate": ("warn", "escalate"),
    "block": ("deny", "block"),
}


def _target(finding: Finding) -> Target:
    return "output" if finding.field_kind in _OUTPUT_KINDS else "input"


def target_texts(exchange: Exchange, target: Target) -> Iterable[str]:
    """The texts a target covers, in a fixed order (what the input hash is taken over)."""
    response, request = exchange.response, exchange.request
    if target == "output":
        if response is not None and response.output is not None:
            output = response.output
            yield output.content or ""
            for call in output.tool_calls:
                args = call.arguments
                yield args if isinstance(args, str) else json.dumps(args, sort_keys=True)
        return
    source = request or response
    if source is not None:
        for message in source.messages:
            yield message.content or ""
        for chunk in source.context:
            yield chunk.text


def _has_target(exchange: Exchange, target: Target) -> bool:
    if target == "output":
        response = exchange.response
        return response is not None and response.output is not None
    source = exchange.request or exchange.response
    return source is not None and bool(source.messages or source.context)


class InputHasher:
    """HMAC-SHA256 over a target's texts (joined by U+001F), hex; the key never leaves."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the guardrail input hash key must be at least 16 bytes")
        self._key = key

    def __call__(self, texts: Iterable[str]) -> str:
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for i, text in enumerate(texts):
            if i:
                mac.update(b"\x1f")
            mac.update(text.encode("utf-8", "surrogatepass"))
        return mac.hexdigest()


class GuardrailSpans:
    """Emits the spans of one verdict through the given tracer (a no-op tracer costs ~1 µs)."""

    def __init__(
        self,
        tracer: Tracer,
        mode: Mode = "flagged",
        hasher: InputHasher | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
        conventions: Conventions = "current",
    ) -> None:
        self.tracer = tracer
        self.mode = mode
        self.hasher = hasher
        self.conventions = conventions
        self._clock_ns = clock_ns

    def emit(self, exchange: Exchange, verdict: Verdict) -> None:
        if self.mode == "off":
            return
        if self.mode == "flagged" and not verdict.findings and not verdict.failed_filters:
            return
        by_target: dict[Target, list[Finding]] = {}
        for finding in verdict.findings:
            by_target.setdefault(_target(finding), []).append(finding)
        targets: list[Target] = [t for t in _TARGETS if t in by_target or _has_target(exchange, t)]
        end_ns = self._clock_ns()
        spent_ns = int(sum(seconds for _, seconds in verdict.filter_seconds) * 1e9)
        context = _parent(exchange)
        for target in targets or _TARGETS[:1]:
            self._span(
                exchange, verdict, target, by_target.get(target, []), context, end_ns, spent_ns
            )

    def _span(
        self,
        exchange: Exchange,
        verdict: Verdict,
        target: Target,
        findings: list[Finding],
        context: Any,
        end_ns: int,
        spent_ns: int,
    ) -> None:
        action = "allow"
        for f in findings:
            if ACTION_RANK[f.action] > ACTION_RANK[action]:
                action = f.action
        top = max(findings, key=lambda f: (ACTION_RANK[f.action], f.score)) if findings else None
        reason = ",".join(sorted({f.category for f in findings})) if findings else None
        draft = self.conventions == "draft"
        attributes = (
            _draft_span_attributes(exchange, target, action, top, reason)
            if draft
            else _span_attributes(target, action, top, reason)
        )
        attributes["sentinel.action"] = action
        attributes["sentinel.exchange.action"] = verdict.action
        attributes["sentinel.request_id"] = exchange.request_id
        if verdict.failed_filters:
            attributes["error.type"] = "filter_failed"
            attributes["sentinel.failed_filters"] = list(verdict.failed_filters)
        if self.hasher is not None:
            digest = self.hasher(target_texts(exchange, target))
            attributes[DRAFT_INPUT_HASH if draft else INPUT_HASH] = digest
        span = self.tracer.start_span(
            DRAFT_SPAN_NAME if draft else SPAN_NAME,
            context=context,
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            start_time=end_ns - spent_ns,
        )
        event_name = DRAFT_FINDING_EVENT if draft else RESULT_EVENT
        event_attributes = _draft_finding_attributes if draft else _result_attributes
        for finding in findings[:MAX_FINDING_EVENTS]:
            span.add_event(event_name, event_attributes(finding, target), end_ns)
        if len(findings) > MAX_FINDING_EVENTS:
            span.set_attribute("sentinel.findings.dropped", len(findings) - MAX_FINDING_EVENTS)
        span.end(end_time=end_ns)


def _span_attributes(
    target: Target, action: str, top: Finding | None, reason: str | None
) -> dict[str, Any]:
    """The current conventions' `apply_guardrail` span attributes."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "apply_guardrail",
        "gen_ai.provider.name": COMPONENT,  # the guardrail's provider, not the model's
        "gen_ai.guardrail.component.name": COMPONENT,
        "gen_ai.guardrail.source": target,
        "gen_ai.guardrail.result.type": RESULT_TYPE,
        "gen_ai.guardrail.result.value": action,
    }
    if top is not None and reason is not None:
        attributes["gen_ai.guardrail.result.reason"] = reason
        attributes["gen_ai.guardrail.policy.id"] = top.filter
        attributes["gen_ai.guardrail.policy.rule.id"] = top.rule_id
        attributes["gen_ai.guardrail.risk.category"] = top.category
        attributes["gen_ai.guardrail.risk.score"] = float(top.score)
    return attributes


def _result_attributes(finding: Finding, target: Target) -> dict[str, Any]:
    """One `gen_ai.guardrail.result` event: a finding with its own action as the result."""
    return {
        "gen_ai.provider.name": COMPONENT,
        "gen_ai.guardrail.component.name": COMPONENT,
        "gen_ai.guardrail.source": target,
        "gen_ai.guardrail.result.type": RESULT_TYPE,
        "gen_ai.guardrail.result.value": finding.action,
        "gen_ai.guardrail.result.reason": finding.category,
        "gen_ai.guardrail.policy.id": finding.filter,
        "gen_ai.guardrail.policy.rule.id": finding.rule_id,
        "gen_ai.guardrail.risk.category": finding.category,
        "gen_ai.guardrail.risk.score": float(finding.score),
        "sentinel.finding.field": finding.field,
        "sentinel.finding.severity": finding.severity,
    }


def _draft_span_attributes(
    exchange: Exchange, target: Target, action: str, top: Finding | None, reason: str | None
) -> dict[str, Any]:
    """The older draft's `run_guardrail` span attributes (`conventions: draft`)."""
    verdict_type, action_type = VERDICT_TYPES[action]
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "run_guardrail",
        "gen_ai.guardrail.component.name": COMPONENT,
        "gen_ai.guardrail.target.type": target,
        "gen_ai.guardrail.target.subtype": "llm",
        "gen_ai.guardrail.target.id": exchange.request_id,
        "gen_ai.guardrail.verdict.type": verdict_type,
        "gen_ai.guardrail.action.type": action_type,
        "gen_ai.guardrail.security.content.modified": action == "redact",
    }
    provider = exchange.primary.provider
    if provider:
        attributes["gen_ai.provider.name"] = provider
    if top is not None and reason is not None:
        attributes["gen_ai.guardrail.security.policy.id"] = top.filter
        attributes["gen_ai.guardrail.security.policy.rule.id"] = top.rule_id
        attributes["gen_ai.guardrail.security.risk.category"] = top.category
        attributes["gen_ai.guardrail.security.risk.score"] = float(top.score)
        attributes["gen_ai.guardrail.verdict.reason"] = reason
    return attributes


def _draft_finding_attributes(finding: Finding, target: Target) -> dict[str, Any]:
    return {
        "gen_ai.guardrail.target.type": target,
        "gen_ai.guardrail.security.policy.id": finding.filter,
        "gen_ai.guardrail.security.policy.rule.id": finding.rule_id,
        "gen_ai.guardrail.security.risk.category": finding.category,
        "gen_ai.guardrail.security.risk.score": float(finding.score),
        "gen_ai.guardrail.action.type": VERDICT_TYPES[finding.action][1],
        "sentinel.finding.field": finding.field,
        "sentinel.finding.severity": finding.severity,
    }


def _parent(exchange: Exchange) -> Any:
    """The OTLP span the exchange came from, as a remote parent; None for native events."""
    metadata = exchange.primary.metadata
    trace_id, span_id = metadata.get("otel.trace_id"), metadata.get("otel.span_id")
    if not isinstance(trace_id, str) or not isinstance(span_id, str):
        return None
    try:
        parent = SpanContext(
            int(trace_id, 16),
            int(span_id, 16),
            is_remote=True,
            trace_flags=TraceFlags(TraceFlags.SAMPLED),
        )
    except ValueError:
        return None
    return set_span_in_context(NonRecordingSpan(parent)) if parent.is_valid else None
