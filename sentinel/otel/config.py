"""`kind: otel` — how OTLP GenAI spans become exchanges, and sentinel's own telemetry.

Every field has a default, so OTLP topics work without an `otel.yaml`. Identity fields
(service, endpoint, feature, variant, ...) come from an ordered list of sources: the first
source with a non-empty value wins. A source is `resource:KEY` (resource attribute) or
`span:KEY` (span attribute).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from sentinel.rules.base import RulesFile, Strict

_SOURCE = re.compile(r"^(resource|span):[A-Za-z0-9_.\-/]{1,200}$")
Source = list[str]
RequestIdFrom = Literal["span", "response_id"]
GuardrailSpans = Literal["off", "flagged", "all"]
GuardrailConventions = Literal["current", "draft"]
# GenAI operations whose spans describe one model call (request + response). Agent, tool
# and workflow spans aggregate or wrap model calls: counting them would count tokens twice.
DEFAULT_OPERATIONS = ("chat", "text_completion", "generate_content", "embeddings")


class Ingest(Strict):
    """Span → exchange mapping (docs/opentelemetry.md has the full attribute table)."""

    operations: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OPERATIONS),
        min_length=1,
        description="`gen_ai.operation.name` values that become exchanges; other GenAI "
        "spans are skipped and counted. A span with a provider (`gen_ai.provider.name` or "
        "the older `gen_ai.system`) but no operation name counts as `chat`.",
    )
    request_id: RequestIdFrom = Field(
        default="span",
        description="`span`: trace id and span id (always present, unique); "
        "`response_id`: `gen_ai.response.id` when the span has one, else the span ids.",
    )
    service: Source = Field(default_factory=lambda: ["resource:service.name"])
    endpoint: Source = Field(default_factory=lambda: ["span:http.route", "span:url.path"])
    feature: Source = Field(default_factory=lambda: ["span:app.feature", "resource:app.feature"])
    variant: Source = Field(
        default_factory=lambda: ["resource:deployment.variant", "span:app.variant"]
    )
    route: Source = Field(default_factory=lambda: ["span:server.address"])
    session_id: Source = Field(
        default_factory=lambda: ["span:gen_ai.conversation.id", "span:session.id"]
    )
    user_id: Source = Field(
        default_factory=lambda: ["span:enduser.pseudo.id"],
        description="Pseudonymous user id; leave `enduser.id` out unless it is one.",
    )

    @field_validator("service", "endpoint", "feature", "variant", "route", "session_id", "user_id")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        for index, source in enumerate(value):
            if not _SOURCE.match(source):
                raise ValueError(f"[{index}]: `{source}` is not `resource:KEY` or `span:KEY`")
        return value

    @field_validator("operations")
    @classmethod
    def _operations(cls, value: list[str]) -> list[str]:
        for index, name in enumerate(value):
            if not name or len(name) > 100:
                raise ValueError(f"[{index}]: operation names are 1 to 100 characters")
        return value


class SelfTelemetry(Strict):
    """sentinel's own traces and metrics (exported only when `OTEL_*` variables say so)."""

    guardrail_spans: GuardrailSpans = Field(
        default="flagged",
        description="An `apply_guardrail` span per verdict: for every exchange (`all`), only "
        "those with findings or failed filters (`flagged`), or none (`off`).",
    )
    guardrail_conventions: GuardrailConventions = Field(
        default="current",
        description="Attribute names of guardrail spans: the OpenTelemetry GenAI conventions "
        "(`current`: `apply_guardrail`, `gen_ai.guardrail.result` events) or the older draft "
        "(`draft`: `run_guardrail`, `gen_ai.guardrail.security.*`); `draft` is deprecated "
        "and goes away in the next release.",
    )
    input_hash_key_env: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]{0,127}$",
        description="Environment variable holding the HMAC key for "
        "`sentinel.guardrail.content.input.hash`; without it no hash is emitted "
        "(an unkeyed hash of a short prompt can be reversed by guessing).",
    )
    batch_spans: bool = Field(default=True, description="A `sentinel.batch` span per polled batch.")


class GenAiMetrics(Strict):
    """OpenTelemetry GenAI client metrics computed from the exchanges sentinel sees."""

    enabled: bool = Field(
        default=False,
        description="Record `gen_ai.client.token.usage` and "
        "`gen_ai.client.operation.duration` through the OpenTelemetry meter.",
    )


class OtelRules(RulesFile):
    kind: Literal["otel"]
    ingest: Ingest = Ingest()
    self_telemetry: SelfTelemetry = SelfTelemetry()
    genai_metrics: GenAiMetrics = GenAiMetrics()
