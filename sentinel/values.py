"""The values an exchange carries along its path, defined once.

    Exchange ─► account ─► Accounted(labels: Labels, tokens, cost, outcome)
                  judge ─► Verdict(action, findings: Finding…)

Filters, trackers, monitors and outputs all import these from here. The per-exchange
values (`Tokens`, `Cost`, `Accounted`) are frozen msgspec structs: built once per exchange
each, they cost a tenth of a frozen dataclass to construct. This module imports
only the event model, so filters can use it without reaching into tracking or telemetry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal, NamedTuple

from msgspec import Struct

from sentinel.events.exchange import Exchange

Action = Literal["allow", "flag", "redact", "escalate", "block"]
ACTION_RANK: dict[str, int] = {"allow": 0, "flag": 1, "redact": 2, "escalate": 3, "block": 4}
# How bad one finding is (rules set it per entity, category or check).
Severity = Literal["info", "low", "medium", "high", "critical"]
# The hallucination filter's per-response groundedness risk in `Scan.scores`/`Verdict.scores`.
HALLUCINATION_RISK_SCORE = "hallucination_risk"
# Bounded kinds of fields (metric label values).
FieldKind = Literal["system", "user", "assistant", "tool", "context", "output", "tool_call"]
# What became of an exchange: answered, answered with an error, or never answered in time.
Outcome = Literal["ok", "error", "timeout"]
OUTCOMES: tuple[Outcome, ...] = ("ok", "error", "timeout")


class Labels(NamedTuple):
    """The bounded label values of one exchange (allow-lists, first-N, `other`).

    A tuple underneath: hashable, cheap to build, usable as a dictionary key; read it by
    name (`labels.model`), never by position."""

    service: str
    endpoint: str
    feature: str
    model: str
    variant: str


LabelName = Literal["service", "endpoint", "feature", "model", "variant"]
LABEL_NAMES: tuple[LabelName, ...] = ("service", "endpoint", "feature", "model", "variant")


def label_key(names: Sequence[str]) -> Callable[[Labels], tuple[str, ...]]:
    """A function from labels to the tuple of the `names` values (a grouping key)."""
    if not names:
        return lambda labels: ()
    getter: Callable[[Labels], Any] = attrgetter(*names)
    if len(names) == 1:
        return lambda labels: (getter(labels),)
    return getter  # attrgetter of several names gives the tuple itself


class Tokens(Struct, frozen=True, gc=False):
    """Tokens of one exchange in the OpenTelemetry convention."""

    input: int  # all input tokens: uncached + cached reads + cache writes
    output: int  # includes reasoning tokens
    cached_input: int
    cache_write: int
    reasoning: int
    inconsistent: bool  # cached + cache_write exceeded input; uncached clamped to 0

    @property
    def uncached_input(self) -> int:
        return max(self.input - self.cached_input - self.cache_write, 0)


class Cost(Struct, frozen=True, gc=False):
    """USD by token kind; `priced` is False when no rule matched the model."""

    input: float = 0.0
    output: float = 0.0
    cache_read: float = 0.0
    cache_write: float = 0.0
    cache_savings: float = 0.0  # what the cached tokens would have cost at the input price
    priced: bool = False

    @property
    def total(self) -> float:
        return self.input + self.output + self.cache_read + self.cache_write


class Accounted(Struct, frozen=True, gc=False):
    """An exchange with everything trackers read, each computed once."""

    exchange: Exchange
    labels: Labels
    tokens: Tokens
    cost: Cost
    outcome: Outcome
    event_time: float
    latency_ms: float | None
    ttft_ms: float | None
    retries: int


@dataclass(frozen=True, slots=True)
class Finding:
    filter: str
    category: str  # bounded per filter: an entity type, a content category, a heuristic
    severity: Severity
    field: str  # TextField.name, or "exchange" for findings about the whole exchange
    field_kind: FieldKind | Literal["exchange"]
    start: int  # character span in the field's text; -1 when not applicable
    end: int
    score: float
    rule_id: str
    action: Action
    leak: bool = False  # PII in output/tool arguments the user did not supply


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the filter chain decided about one exchange, and how completely it looked."""

    action: Action
    findings: tuple[Finding, ...]
    failed_filters: tuple[str, ...] = ()
    partial: tuple[tuple[str, str], ...] = ()  # (filter, reason) for scans cut short
    skipped_bytes: int = 0
    filter_seconds: tuple[tuple[str, float], ...] = ()
    scores: tuple[tuple[str, float], ...] = ()  # (name, highest score) per scored channel

    @property
    def complete(self) -> bool:
        return not self.partial and not self.skipped_bytes and not self.failed_filters


ALLOW = Verdict("allow", ())
