"""Cells: the additive unit of monitor state.

A cell is two sums (bad and total events; or dollars and tokens) for one monitor series
in one event-time bucket. Sums add across partitions, so the global view of a series is
the sum of every partition's cells, whatever replica computed them.
"""

from __future__ import annotations

# One minute: the finest window any monitor reads (SLO short windows, spend guards,
# rollback rollouts are all counted in whole minutes).
BUCKET_SECONDS = 60

# (family, index of the rule in its file, series labels); families: `slo`, `spend`,
# `gate` (labels: arm), `canary` (canary exchanges seen, for rollout boundaries).
CellKey = tuple[str, int, tuple[str, ...]]
Cell = list[float]  # [first, second], e.g. [bad, total]


def bucket_of(event_time: float) -> int:
    """Index of the bucket holding `event_time` (POSIX seconds)."""
    return int(event_time // BUCKET_SECONDS)


def bucket_start(bucket: int) -> float:
    return float(bucket * BUCKET_SECONDS)
