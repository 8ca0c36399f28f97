"""HTTP POST of JSON bodies over httpx: the one transport of alerts, rollback decisions and
throttle calls.

A `Transport` is any callable `(url, body, headers, timeout_seconds) -> None` that raises
`DeliveryError` when the receiver did not accept the request. Tests pass a fake
(`sentinel.alerting.fakes.RecordingTransport`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Protocol

import httpx

from sentinel import __version__
from sentinel.errors import SentinelError

_MAX_ERROR_BODY = 200  # characters of a rejection's body kept for the log (Alertmanager's
# validation messages fit; nothing we send is user content)
# A retry would get the same answer: every 4xx but timeout, too early and too many requests.
_PERMANENT = frozenset(range(400, 500)) - {408, 425, 429}


class DeliveryError(SentinelError):
    """A receiver did not accept a request; the message says why (status, reason).

    `status` is the HTTP status of a rejection, None when no answer came."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def permanent(self) -> bool:
        """True for a client error that a retry would get again (4xx but 408, 425, 429)."""
        return self.status in _PERMANENT


class Transport(Protocol):
    def __call__(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout_seconds: float
    ) -> None: ...


class HttpTransport:
    """POSTs over one pooled httpx client (connections are kept alive between requests);
    safe to share between threads. A 2xx answer is success, anything else (redirects
    included) raises DeliveryError. `close()` releases the connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None

    def __call__(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout_seconds: float
    ) -> None:
        client = self._open()
        request_headers = {
            "Content-Type": "application/json",
            "User-Agent": f"sentinel/{__version__}",
            **headers,
        }
        try:
            with client.stream(
                "POST", url, content=body, headers=request_headers, timeout=timeout_seconds
            ) as response:
                if 200 <= response.status_code < 300:
                    return
                status, detail = response.status_code, _start_of(response)
        except httpx.ConnectError as exc:
            raise DeliveryError(f"could not connect: {_reason(exc)}") from exc
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"timed out after {timeout_seconds:g} s: {_reason(exc)}") from exc
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:  # resets, garbage
            raise DeliveryError(f"{type(exc).__name__}: {_reason(exc)}") from exc
        raise DeliveryError(f"HTTP {status}: {' '.join(detail.split())}", status=status)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _open(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=False)
            return self._client


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _start_of(response: httpx.Response) -> str:
    """The first characters of a rejection's body (the rest is not read)."""
    chunk = b""
    for part in response.iter_bytes():
        chunk += part
        if len(chunk) >= _MAX_ERROR_BODY * 4:
            break
    return chunk[: _MAX_ERROR_BODY * 4].decode("utf-8", "replace")[:_MAX_ERROR_BODY]
