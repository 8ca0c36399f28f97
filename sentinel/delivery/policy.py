"""The one retry and backoff policy, on tenacity.

`Backoff` is a tenacity wait strategy (exponential, capped, shortened by jitter) built from a
`RetryPolicy`. Documents are sent with `retrying()` (a bounded number of attempts, the
thread sleeps between them); the alert queues never block, so they ask the same strategy
how long to wait after the n-th consecutive failure (`Backoff.after`) and schedule it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import tenacity

from sentinel.delivery.config import RetryPolicy
from sentinel.delivery.transport import DeliveryError


class Backoff(tenacity.wait.wait_base):
    """initial_seconds x multiplier^(n-1) after the n-th failed attempt, capped at
    max_seconds, then shortened by up to `jitter_ratio` of it."""

    def __init__(self, policy: RetryPolicy, rng: random.Random | None = None) -> None:
        self._exponential = tenacity.wait_exponential(
            multiplier=policy.initial_seconds, max=policy.max_seconds, exp_base=policy.multiplier
        )
        self._jitter = policy.jitter_ratio
        self._rng = rng or random.Random()

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        nominal: float = self._exponential(retry_state)
        return nominal * (1.0 - self._jitter * self._rng.random()) if self._jitter else nominal

    def after(self, failures: int) -> float:
        """The delay after `failures` consecutive failures (at least one)."""
        state = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
        state.attempt_number = max(failures, 1)
        return self(state)


def retryable(error: BaseException) -> bool:
    """Worth another attempt: no answer, a server error, or 408/425/429."""
    return not (isinstance(error, DeliveryError) and error.permanent)


def retrying(
    policy: RetryPolicy,
    max_attempts: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> tenacity.Retrying:
    """Up to `max_attempts` tries of a call, waiting the policy's backoff between them; a
    permanent rejection ends at once. The last error is re-raised."""
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max_attempts),
        wait=Backoff(policy, rng),
        retry=tenacity.retry_if_exception(retryable),
        sleep=sleep,
        reraise=True,
    )
