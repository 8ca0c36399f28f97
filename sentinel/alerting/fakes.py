"""Fakes shipped for tests (ours and users'): a settable clock and a recording transport."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sentinel.delivery import DeliveryError


class FakeClock:
    """`clock()` returns `now`; tests move it with `advance()`."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Request:
    url: str
    body: Any  # the decoded JSON
    headers: dict[str, str]
    timeout_seconds: float
    at: float


@dataclass
class RecordingTransport:
    """Records every POST. While `down` is set, raises DeliveryError (and records nothing);
    `fail_next` fails that many requests first; `fail_status` is the HTTP status the
    failures answer with (None: no answer, as a refused connection)."""

    clock: FakeClock | None = None
    down: bool = False
    fail_next: int = 0
    fail_status: int | None = None
    requests: list[Request] = field(default_factory=list)
    failures: int = 0

    def __call__(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout_seconds: float
    ) -> None:
        if self.down or self.fail_next > 0:
            self.fail_next = max(0, self.fail_next - 1)
            self.failures += 1
            if self.fail_status is not None:
                raise DeliveryError(f"HTTP {self.fail_status}: rejected", self.fail_status)
            raise DeliveryError("could not connect: [Errno 111] Connection refused")
        at = self.clock() if self.clock is not None else 0.0
        self.requests.append(Request(url, json.loads(body), dict(headers), timeout_seconds, at))
