"""HTTP POST for alert delivery, with the standard library only.

A `Transport` is any callable `(url, body, headers, timeout_seconds) -> None` that raises
`DeliveryError` when the receiver did not accept the request. Tests pass a fake
(`sentinel.alerting.fakes.RecordingTransport`).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Protocol

from sentinel.errors import SentinelError

_MAX_ERROR_BODY = 200  # characters of a rejection's body kept for the log (Alertmanager's
# validation messages fit; nothing we send is user content)


class DeliveryError(SentinelError):
    """A receiver did not accept a request; the message says why (status, reason)."""


class Transport(Protocol):
    def __call__(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout_seconds: float
    ) -> None: ...


def post_json(url: str, body: bytes, headers: Mapping[str, str], timeout_seconds: float) -> None:
    """POST `body` as JSON; a 2xx answer is success, anything else raises DeliveryError."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "sentinel", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(_MAX_ERROR_BODY * 4).decode("utf-8", "replace")[:_MAX_ERROR_BODY]
        raise DeliveryError(f"HTTP {exc.code}: {' '.join(detail.split())}") from exc
    except urllib.error.URLError as exc:
        raise DeliveryError(f"could not connect: {exc.reason}") from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:  # timeouts, resets, bad answers
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
