"""The one shape of everything that watches the exchange path.

The pipeline's core steps (account → judge → emit) produce an `Accounted` exchange and its
`Verdict`; observers are told, in the order they were given (`sentinel.wiring` builds the
list): Prometheus samples, run totals and timeline, live trackers, the monitors, OTel.

An observer overrides only the hooks it needs; the pipeline calls only overridden ones.
Hooks run on the consume loop, must be cheap and must not raise (a raise is logged and
ignored: telemetry never takes the consumer down).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from mypy_extensions import mypyc_attr

from sentinel.events.model import Feedback
from sentinel.values import Accounted, Labels, Verdict

log = structlog.get_logger("sentinel.observers")


@dataclass(frozen=True, slots=True)
class BatchEnd:
    """The state of the path when a polled batch is done (counts are whole-run totals)."""

    started_ns: int  # wall time of the batch's first record; 0 for an idle poll
    records: int  # records in this batch
    watermark: float  # newest event time seen (-inf before the first event)
    read: int
    duplicates: int
    invalid: Mapping[str, int]  # dead letters by reason
    pending: int  # requests awaiting their response
    evicted: int  # requests pushed out by the pending bound
    late: int = 0  # events that came after their other half had timed out
    # event time before which every partition is final (what the monitors evaluated up to)
    complete_until: float = float("-inf")
    # (topic, partition, low watermark) of every partition in the global view
    low_watermarks: tuple[tuple[str, int, float], ...] = ()


# Compiled with the core (setup.py); observers outside it (OTel, tests) subclass it.
@mypyc_attr(allow_interpreted_subclasses=True)
class Observer:
    """Base of every observer: each hook does nothing until overridden."""

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        """One exchange (or timeout), accounted and judged."""

    def feedback(self, feedback: Feedback, labels: Labels) -> None:
        """A user feedback event, attributed to its exchange's labels when known."""

    def time(self, watermark: float) -> None:
        """Event time reached `watermark`: every exchange told before this is older."""

    def batch_end(self, batch: BatchEnd) -> None:
        """A polled batch (or an idle poll) is done; its outputs are about to be flushed."""


_HOOKS = ("exchange", "feedback", "time", "batch_end")


def hooks(observers: Sequence[Observer], name: str) -> tuple[Callable[..., None], ...]:
    """The bound `name` hooks of the observers that override it, in order."""
    if name not in _HOOKS:
        raise ValueError(f"unknown observer hook {name!r}")
    base = getattr(Observer, name)
    return tuple(getattr(o, name) for o in observers if getattr(type(o), name, base) is not base)


def failed(hook: Callable[..., Any]) -> None:
    """Log an observer hook that raised (the path goes on)."""
    owner = getattr(hook, "__self__", hook)
    log.warning("observer_failed", observer=type(owner).__name__, hook=hook.__name__)
