"""Partition-scoped monitor state, its changelog, and the global view folded from it.

Each input partition owns the sums the monitors need (per SLI, per variant, per spend
guard and rollback gate) in event-time buckets, plus the offsets they cover. Changes are
published per batch to a compacted state topic; every replica folds every partition's
latest state into one global view, which the monitors read. See docs/architecture.md.
"""

from sentinel.state.cells import BUCKET_SECONDS, Cell, CellKey, bucket_of, bucket_start
from sentinel.state.codec import (
    META,
    Meta,
    decode_key,
    decode_value,
    encode_flush,
    encode_key,
    encode_value,
)
from sentinel.state.partition import PartitionId, PartitionState
from sentinel.state.shared import SharedState, StateRecord
from sentinel.state.view import DeltaSink, GlobalView

__all__ = [
    "BUCKET_SECONDS",
    "META",
    "Cell",
    "CellKey",
    "DeltaSink",
    "GlobalView",
    "Meta",
    "PartitionId",
    "PartitionState",
    "SharedState",
    "StateRecord",
    "bucket_of",
    "bucket_start",
    "decode_key",
    "decode_value",
    "encode_flush",
    "encode_key",
    "encode_value",
]
