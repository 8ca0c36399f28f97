"""Filter names → classes, and building the chain from rules (fails on unknown names)."""

from __future__ import annotations

from collections.abc import Callable

from sentinel.errors import RulesError
from sentinel.filters.base import Filter
from sentinel.filters.chain import ChainSettings, FilterChain
from sentinel.rules.loader import RuleSet
from sentinel.values import FieldKind


def _pii(rules: RuleSet) -> Filter:
    from sentinel.filters.pii.filter import PiiFilter  # heavy: Presidio, spaCy

    return PiiFilter.from_rules(rules.pii)


def _content(rules: RuleSet) -> Filter:
    from sentinel.filters.content.filter import ContentFilter

    return ContentFilter.from_rules(rules.content)


def _hallucination(rules: RuleSet) -> Filter:
    from sentinel.filters.hallucination.filter import HallucinationFilter

    return HallucinationFilter.from_rules(rules.hallucination)


FILTERS: dict[str, Callable[[RuleSet], Filter]] = {
    "pii": _pii,
    "content": _content,
    "hallucination": _hallucination,
}


# Field kinds whose findings depend only on the field's own text and kind (filters/cache.py):
# pii reads the user's messages to tell leaks in outputs and tool calls, so those three kinds
# are not local to it. content scores injection per field and judges the output against
# those scores (injection_followed), and hallucination compares the output with the context:
# nothing of theirs is local. tests/unit/test_chain_cache.py runs the pipeline with and
# without the cache on external corpora and the sample: a filter change that breaks one of
# these declarations fails there.
LOCAL_KINDS: dict[str, frozenset[FieldKind]] = {
    "pii": frozenset({"system", "assistant", "tool", "context"}),
}


def build_chain(rules: RuleSet, time_budget: bool = True) -> FilterChain:
    """The filters named in `kind: guardrails`, in order, each built once from its rules.

    `time_budget=False` drops the wall-time budget (`max_scan_seconds`): replays then give
    the same verdicts on any machine, bounded by the byte budget alone."""
    guardrails = rules.guardrails
    source = rules.sources.get("guardrails", "guardrails defaults")
    filters: list[Filter] = []
    for index, name in enumerate(guardrails.filters):
        if name not in FILTERS:
            raise RulesError(
                f"could not load {source}: filters[{index}]: unknown filter `{name}` "
                f"(known: {', '.join(sorted(FILTERS))})"
            )
        if name in {f.name for f in filters}:
            raise RulesError(f"could not load {source}: filters[{index}]: `{name}` is listed twice")
        enabled = getattr(getattr(rules, name), "enabled", True)
        if enabled:
            filters.append(FILTERS[name](rules))
    settings = ChainSettings(
        max_scan_bytes=guardrails.max_scan_bytes,
        max_scan_seconds=guardrails.max_scan_seconds if time_budget else None,
        on_error=guardrails.on_error,
        stop_on_block=guardrails.stop_on_block,
    )
    return FilterChain(filters, settings, local_kinds=LOCAL_KINDS)
