"""Run the filters in order and combine their findings into a verdict."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sentinel.events.exchange import Exchange
from sentinel.filters.base import Filter, Scan, TextField
from sentinel.filters.cache import FieldCache
from sentinel.filters.texts import exchange_fields
from sentinel.values import ACTION_RANK, ALLOW, Action, FieldKind, Finding, Verdict

OnError = Literal["open", "closed"]


_NO_DEADLINE = float("inf")


@dataclass(frozen=True)
class ChainSettings:
    # A 1M-token context is ~4 MB; scan it all by default, stop beyond 8 MiB of text.
    max_scan_bytes: int = 8 * 1024 * 1024
    # Per-exchange wall-time budget for all filters together; None: no time budget (replay,
    # so the same file gives the same verdicts on any machine; max_scan_bytes still bounds work).
    max_scan_seconds: float | None = 1.0
    on_error: OnError = "open"  # a failing filter: allow (open) or block (closed)
    stop_on_block: bool = True  # skip later filters once one blocks
    # Texts whose findings are remembered (by content hash) for the filters' local kinds.
    cache_entries: int = 4096


@dataclass
class FilterChain:
    """An ordered list of filters with an explicit stop (a blocking finding)."""

    filters: Sequence[Filter]
    settings: ChainSettings = field(default_factory=ChainSettings)
    clock: Callable[[], float] = time.monotonic
    # filter name -> field kinds whose findings depend only on that field's text and kind
    # (see filters/cache.py); texts of those kinds seen recently are not scanned again.
    local_kinds: Mapping[str, frozenset[FieldKind]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cache = FieldCache(self.settings.cache_entries)

    def run(self, exchange: Exchange) -> Verdict:
        if not self.filters:
            return ALLOW
        settings, clock = self.settings, self.clock
        fields, skipped = exchange_fields(exchange, settings.max_scan_bytes)
        budget = settings.max_scan_seconds
        deadline = _NO_DEADLINE if budget is None else clock() + budget
        scan = Scan(fields, deadline, skipped, clock=clock)
        local_kinds = self.local_kinds if self.cache.entries > 0 else {}
        findings: list[Finding] = []
        failed: list[str] = []
        timings: list[tuple[str, float]] = []
        action: Action = "allow"
        rank = 0  # ACTION_RANK[action]
        for f in self.filters:
            began = clock()
            try:
                local = local_kinds.get(f.name)
                found = self._cached(f, local, exchange, scan) if local else f.check(exchange, scan)
            except Exception:  # a filter bug must not stop the stream
                failed.append(f.name)
                found = []
            timings.append((f.name, clock() - began))
            if found:
                findings += found
                for finding in found:
                    if ACTION_RANK[finding.action] > rank:
                        action = finding.action
                        rank = ACTION_RANK[action]
            if action == "block" and settings.stop_on_block:
                break
        if failed and settings.on_error == "closed":
            action = "block"
        scores = scan.scores
        return Verdict(
            action,
            tuple(findings),
            tuple(failed),
            tuple(scan.partial.items()) if scan.partial else (),
            scan.skipped_bytes,
            tuple(timings),
            tuple(sorted(scores.items())) if scores else (),
        )

    def _cached(
        self, f: Filter, local: frozenset[FieldKind], exchange: Exchange, scan: Scan
    ) -> list[Finding]:
        """`f.check` on the fields not seen recently; cached findings for the others, in
        the order the filter reports them (field by field, in scan order)."""
        keys: dict[int, tuple[str, str, bytes]] = {}  # index in scan.fields -> cache key
        known: dict[int, list[Finding]] = {}  # index -> cached findings
        rest: list[TextField] = []
        names = {t.name for t in scan.fields}
        if len(names) < len(scan.fields):  # duplicate names: findings cannot be told apart
            return f.check(exchange, scan)
        for i, text_field in enumerate(scan.fields):
            if text_field.kind in local and text_field.text:
                key = (f.name, text_field.kind, scan.digest(text_field.text))
                cached = self.cache.get(key, text_field.name)
                if cached is not None:
                    known[i] = cached
                    continue
                keys[i] = key
            rest.append(text_field)
        if not known and not keys:
            return f.check(exchange, scan)
        sub = Scan(  # the same budget, partial marks, scores, digests (faster than replace())
            rest,
            scan.deadline,
            scan.skipped_bytes,
            scan.partial,
            scan.clock,
            scan.scores,
            scan.digests,
        )
        found = f.check(exchange, sub)
        by_field: dict[str, list[Finding]] = {}
        for finding in found:
            by_field.setdefault(finding.field, []).append(finding)
        complete = f.name not in scan.partial
        out: list[Finding] = []
        for i, text_field in enumerate(scan.fields):
            if i in known:
                out += known[i]
                continue
            mine = by_field.pop(text_field.name, [])
            if i in keys and complete:
                self.cache.put(keys[i], mine)
            out += mine
        for rest_findings in by_field.values():  # about the exchange, not one field
            out += rest_findings
        return out
