"""Shared statistics for the evaluation commands: rates with Wilson 95 % intervals.

Every figure in docs/evaluation*.md is a proportion over a small sample; an interval says
how much it could move on another sample of the same families.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for `successes` out of `n` (0..1 each); (0, 1) when n is 0."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Rate:
    """A proportion with its sample size and Wilson interval."""

    successes: int
    n: int

    @property
    def value(self) -> float | None:
        return self.successes / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.successes, self.n)

    def text(self, digits: int = 3) -> str:
        """`0.912 [0.871, 0.941] (n=250)`, or `– (n=0)`."""
        if not self.n:
            return "– (n=0)"
        lo, hi = self.interval
        return f"{self.value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}] (n={self.n})"
