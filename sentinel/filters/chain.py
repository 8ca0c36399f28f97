"""Run the filters in order and combine their findings into a verdict."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sentinel.events.exchange import Exchange
from sentinel.filters.base import ACTION_RANK, Action, Filter, Finding, Scan
from sentinel.filters.texts import exchange_fields

OnError = Literal["open", "closed"]


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    findings: tuple[Finding, ...]
    failed_filters: tuple[str, ...] = ()
    partial: tuple[tuple[str, str], ...] = ()  # (filter, reason) for scans cut short
    skipped_bytes: int = 0
    filter_seconds: tuple[tuple[str, float], ...] = ()

    @property
    def complete(self) -> bool:
        return not self.partial and not self.skipped_bytes and not self.failed_filters


ALLOW = Verdict("allow", ())


@dataclass(frozen=True)
class ChainSettings:
    # A 1M-token context is ~4 MB; scan it all by default, stop beyond 8 MiB of text.
    max_scan_bytes: int = 8 * 1024 * 1024
    # Per-exchange time budget for all filters together.
    max_scan_seconds: float = 1.0
    on_error: OnError = "open"  # a failing filter: allow (open) or block (closed)
    stop_on_block: bool = True  # skip later filters once one blocks


@dataclass
class FilterChain:
    """An ordered list of filters with an explicit stop (a blocking finding)."""

    filters: Sequence[Filter]
    settings: ChainSettings = field(default_factory=ChainSettings)
    clock: Callable[[], float] = time.monotonic

    def run(self, exchange: Exchange) -> Verdict:
        if not self.filters:
            return ALLOW
        fields, skipped = exchange_fields(exchange, self.settings.max_scan_bytes)
        start = self.clock()
        scan = Scan(fields, start + self.settings.max_scan_seconds, skipped, clock=self.clock)
        findings: list[Finding] = []
        failed: list[str] = []
        timings: list[tuple[str, float]] = []
        action: Action = "allow"
        for f in self.filters:
            began = self.clock()
            try:
                found = f.check(exchange, scan)
            except Exception:  # a filter bug must not stop the stream
                failed.append(f.name)
                found = []
            timings.append((f.name, self.clock() - began))
            findings.extend(found)
            for finding in found:
                if ACTION_RANK[finding.action] > ACTION_RANK[action]:
                    action = finding.action
            if action == "block" and self.settings.stop_on_block:
                break
        if failed and self.settings.on_error == "closed":
            action = "block"
        return Verdict(
            action=action,
            findings=tuple(findings),
            failed_filters=tuple(failed),
            partial=tuple(scan.partial.items()),
            skipped_bytes=scan.skipped_bytes,
            filter_seconds=tuple(timings),
        )
