"""The outcome counter of a document webhook (rollback decisions, throttle calls)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from sentinel.delivery import CountResult, Result


def document_deliveries(registry: CollectorRegistry, name: str, what: str) -> CountResult:
    """`name{result}`: one document delivered (ok), given up on after its attempts (failed)
    or never sent (dropped). A failed attempt that is retried is not an outcome here."""
    counter = Counter(
        name, f"{what} by result (ok | failed | dropped).", ["result"], registry=registry
    )

    def count(result: Result, documents: int) -> None:
        if result != "error" and documents > 0:
            counter.labels(result).inc(documents)

    return count
