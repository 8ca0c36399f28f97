"""Join requests and responses by `request_id` in event time, with a TTL and a size bound.

Memory stays bounded whatever the input: at most `max_pending` requests wait; beyond that
the oldest is evicted as a timeout (and counted as evicted, so the cause is visible).
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.events.exchange import Exchange
from sentinel.events.model import Event


@dataclass(slots=True)
class CorrelatorStats:
    pending: int = 0
    expired: int = 0  # requests whose TTL passed in event time
    evicted: int = 0  # requests pushed out by the `max_pending` bound
    orphans: int = 0  # responses with no pending request
    replaced: int = 0  # a second request with a pending request_id (the newer one wins)


class Correlator:
    """Turns a stream of request/response/exchange events into exchanges.

    The watermark is the largest event time seen; a pending request older than
    `watermark - ttl_seconds` times out. Requests are expired in arrival order, which is
    event-time order up to producer jitter.
    """

    def __init__(self, ttl_seconds: float, max_pending: int) -> None:
        if ttl_seconds <= 0 or max_pending <= 0:
            raise ValueError("ttl_seconds and max_pending must be positive")
        self.ttl_seconds = ttl_seconds
        self.max_pending = max_pending
        self.watermark = float("-inf")
        self.stats = CorrelatorStats()
        self._pending: dict[str, Event] = {}

    def offer(self, event: Event) -> list[Exchange]:
        """Take one request, response or exchange event; return the exchanges it completes."""
        done = self.advance(event.event_time)
        if event.type == "exchange":
            done.append(Exchange("complete", event, event))
        elif event.type == "request":
            self._add_request(event, done)
        elif event.type == "response":
            request = self._pending.pop(event.request_id, None)
            if request is None:
                self.stats.orphans += 1
                done.append(Exchange("orphan_response", None, event))
            else:
                done.append(Exchange("complete", request, event))
        self.stats.pending = len(self._pending)
        return done

    def advance(self, event_time: float) -> list[Exchange]:
        """Move the watermark forward (never back) and return requests that timed out."""
        if event_time <= self.watermark:
            return []
        self.watermark = event_time
        cutoff = event_time - self.ttl_seconds
        expired: list[Exchange] = []
        pending = self._pending
        while pending:
            request_id = next(iter(pending))
            if pending[request_id].event_time >= cutoff:
                break
            expired.append(Exchange("timeout", pending.pop(request_id), None))
        self.stats.expired += len(expired)
        self.stats.pending = len(pending)
        return expired

    def drain(self) -> list[Exchange]:
        """End of input: every pending request becomes a timeout."""
        drained = [Exchange("timeout", request, None) for request in self._pending.values()]
        self.stats.expired += len(drained)
        self._pending.clear()
        self.stats.pending = 0
        return drained

    def _add_request(self, event: Event, done: list[Exchange]) -> None:
        if self._pending.pop(event.request_id, None) is not None:
            self.stats.replaced += 1
        self._pending[event.request_id] = event
        if len(self._pending) > self.max_pending:
            oldest = next(iter(self._pending))
            done.append(Exchange("timeout", self._pending.pop(oldest), None))
            self.stats.evicted += 1


class DedupeWindow:
    """Remembers the last `capacity` event ids; `seen(id)` is True for a repeat."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._ids: dict[str, None] = {}

    def seen(self, event_id: str) -> bool:
        ids = self._ids
        if event_id in ids:
            return True
        ids[event_id] = None
        if len(ids) > self.capacity:
            del ids[next(iter(ids))]
        return False
