"""An exchange: one request and its response, the unit that trackers and filters see."""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from sentinel.events.model import Event, Usage

_NO_USAGE = Usage()
ExchangeKind = Literal["complete", "timeout", "orphan_response"]


class Exchange(Struct, frozen=True, gc=False):
    """A request joined with its response.

    `kind` is `complete` (both halves, or one `exchange` event), `timeout` (a request whose
    response never came within the TTL or that was evicted) or `orphan_response` (a response
    whose request was never seen, e.g. it was consumed before a restart).

    `request_time` and `response_time` are the halves' event times (POSIX seconds) when
    the join already converted them; else they are converted on use (a datetime → float
    conversion costs about as much as the rest of reading an exchange).

    A frozen msgspec struct, like the values built from it (`sentinel.values`): built
    several times per exchange, it costs a tenth of a frozen dataclass to construct.
    """

    kind: ExchangeKind
    request: Event | None
    response: Event | None
    request_time: float | None = None
    response_time: float | None = None

    @property
    def primary(self) -> Event:
        """The event whose identity fields (service, model, ...) describe the exchange."""
        event = self.response or self.request
        assert event is not None, "an exchange has at least one event"
        return event

    def _field(self, name: str) -> str | None:
        for event in (self.response, self.request):
            if event is not None:
                value = getattr(event, name)
                if value:
                    return value  # type: ignore[no-any-return]  # all identity fields are str
        return None

    def identity(self) -> tuple[str | None, str | None, str | None, str | None, str | None]:
        """(service, endpoint, feature, model, variant): the response's, else the request's."""
        response, request = self.response, self.request
        if response is None or request is None or request is response:
            e = self.primary
            return e.service, e.endpoint, e.feature, e.model, e.variant
        return (
            response.service or request.service,
            response.endpoint or request.endpoint,
            response.feature or request.feature,
            response.model or request.model,
            response.variant or request.variant,
        )

    @property
    def request_id(self) -> str:
        return self.primary.request_id

    @property
    def event_time(self) -> float:
        """The primary event's event time (the response's, else the request's)."""
        if self.response is not None:
            t = self.response_time
            return self.response.event_time if t is None else t
        t = self.request_time
        return self.primary.event_time if t is None else t

    def _request_time(self) -> float:
        assert self.request is not None
        t = self.request_time
        return self.request.event_time if t is None else t

    @property
    def service(self) -> str | None:
        return self._field("service")

    @property
    def endpoint(self) -> str | None:
        return self._field("endpoint")

    @property
    def feature(self) -> str | None:
        return self._field("feature")

    @property
    def model(self) -> str | None:
        return self._field("model")

    @property
    def variant(self) -> str | None:
        return self._field("variant")

    @property
    def usage(self) -> Usage:
        return self.primary.usage or _NO_USAGE

    @property
    def latency_ms(self) -> float | None:
        """Reported latency, else response minus request event time."""
        if self.response is None:
            return None
        if self.response.latency_ms is not None:
            return self.response.latency_ms
        if self.request is not None and self.request is not self.response:
            delta_ms = (self.event_time - self._request_time()) * 1000.0
            return delta_ms if delta_ms >= 0 else None
        return None

    @property
    def ttft_ms(self) -> float | None:
        return self.response.ttft_ms if self.response is not None else None

    @property
    def is_error(self) -> bool:
        return self.response is not None and self.response.status == "error"

    @property
    def error_type(self) -> str | None:
        if self.response is None or self.response.status != "error":
            return None
        return self.response.error.type if self.response.error else "unknown"

    @property
    def retries(self) -> int:
        request, response = self.request, self.response
        if request is None or response is None:
            return (request or response).retries  # type: ignore[union-attr]  # one is set
        return max(request.retries, response.retries)
