"""The filter contract: the texts of an exchange, the scan budget, the `Filter` base.

A filter is a guardrail step. Its rules, written here once:

1. It has a unique `name` and is built once from its rules file (`from_rules`); heavy
   assets (recognizers, compiled pattern sets, word lists) are loaded there, never in
   `check`.
2. `check(exchange, scan)` returns findings (possibly none). It does no network I/O, does
   not mutate the exchange, and never puts raw user text into a finding (spans only).
3. It reads texts through `scan.fields` and honours the budget: between fields it asks
   `scan.expired()` and stops early, calling `scan.mark_partial(self.name, reason)`.
   What was not scanned is reported, never hidden.
4. It may raise; the chain turns the exception into a failed-filter verdict according to
   the rules' `on_error` (fail open or fail closed). Exceptions never escape the chain.
5. A cache keyed by content hash takes the key from `scan.digest(text)`: each text of an
   exchange is hashed once, however many caches (the chain's, the filters') ask for it.

Findings and verdicts are values (`sentinel.values`). Filters import the event model, the
values and the rules base classes, nothing else of ours.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from mypy_extensions import mypyc_attr

from sentinel.events.exchange import Exchange
from sentinel.filters.cache import digest
from sentinel.values import FieldKind, Finding


@dataclass(frozen=True, slots=True)
class TextField:
    """One text of an exchange. `name` locates it: `user[1]`, `context:doc-3`, `output`,
    `tool_call[0]:get_weather` (the arguments as JSON)."""

    name: str
    kind: FieldKind
    text: str


@dataclass
class Scan:
    """Per-exchange scan state: the texts, the byte and time budget, what was skipped."""

    fields: list[TextField]
    deadline: float  # time.monotonic() value after which filters stop
    skipped_bytes: int = 0  # bytes left out by the byte budget at extraction
    partial: dict[str, str] = field(default_factory=dict)  # filter -> reason
    clock: Callable[[], float] = time.monotonic
    scores: dict[str, float] = field(default_factory=dict)  # bounded name -> highest score
    # text -> digest(text): each text hashed once per exchange, whichever of the chain's and
    # the filters' content-hash caches asks first (a str caches its own hash, and the same
    # object compares by identity, so a lookup costs no pass over the text).
    digests: dict[str, bytes] = field(default_factory=dict)

    def expired(self) -> bool:
        return self.clock() > self.deadline

    def mark_partial(self, filter_name: str, reason: str) -> None:
        self.partial.setdefault(filter_name, reason)

    def digest(self, text: str) -> bytes:
        """`filters.cache.digest(text)`, computed once per exchange for each text."""
        found = self.digests.get(text)
        if found is None:
            found = self.digests[text] = digest(text)
        return found

    def record_score(self, name: str, value: float) -> None:
        """Keep the exchange's highest score under `name` (a bounded name such as
        `injection.context`, never user text): verdict records and histograms carry it."""
        if value > self.scores.get(name, -1.0):
            self.scores[name] = value


@mypyc_attr(allow_interpreted_subclasses=True)  # filters written outside the compiled core
class Filter(ABC):
    """Base class of every filter; see the module docstring for the contract."""

    name: ClassVar[str]

    @abstractmethod
    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        """Findings for one exchange."""
