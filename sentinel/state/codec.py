"""The state topic's records: key = input topic, partition and bucket (or `meta`).

Values are absolute (the bucket's sums as they are now, the partition's positions), never
deltas, so log compaction may keep only the latest record per key and a reader that sees
any suffix of updates still ends with the right state.

One flush of one partition is ONE meta record carrying the meta and every bucket the flush
changed, followed by a snapshot record per changed bucket (what compaction keeps). A crash
can cut the flush short, but never between a bucket's sums and the offsets they cover: the
meta record has both, and the snapshots after it repeat its sums.
"""

from __future__ import annotations

import msgspec

from sentinel.state.cells import Cell, CellKey

_SEP = "\x1f"  # unit separator: not found in topic names
META = -1  # the `bucket` of a partition's meta record
# The leader's record: the last event-time tick whose alerts and decisions it delivered.
DELIVERED_KEY = b"\x1fdelivered"


class Meta(msgspec.Struct, array_like=True, frozen=True):
    """Where a partition's state stands.

    `covered`: the next input offset whose effects are NOT in the state (everything before
    it is counted). `held`: offsets below `covered` of events still waiting in the join (a
    request for its response); a new owner re-reads exactly those. `watermark`: the largest
    event time seen; `low_watermark`: the event time below which the partition will add
    nothing more (the oldest waiting event bounds it). `idle`: the partition has had no
    input for a while and holds back nobody's evaluation."""

    covered: int
    watermark: float
    low_watermark: float
    held: list[int]
    idle: bool = False


_CellRow = tuple[str, int, list[str], float, float]
_encoder = msgspec.msgpack.Encoder()
_cells_decoder = msgspec.msgpack.Decoder(tuple[int, list[_CellRow]])
_flush_decoder = msgspec.msgpack.Decoder(tuple[Meta, dict[int, list[_CellRow]]])
Buckets = dict[int, dict[CellKey, Cell]]
_float_decoder = msgspec.msgpack.Decoder(float)


def encode_key(topic: str, partition: int, bucket: int) -> bytes:
    tail = "meta" if bucket == META else str(bucket)
    return f"{topic}{_SEP}{partition}{_SEP}{tail}".encode()


def decode_key(key: bytes) -> tuple[str, int, int]:
    """(topic, partition, bucket or META); raises ValueError on a foreign key."""
    topic, partition, tail = key.decode().split(_SEP)
    return topic, int(partition), META if tail == "meta" else int(tail)


def _rows(cells: dict[CellKey, Cell]) -> list[_CellRow]:
    return [
        (family, index, list(labels), s[0], s[1]) for (family, index, labels), s in cells.items()
    ]


def _cells(rows: list[_CellRow]) -> dict[CellKey, Cell]:
    return {
        (family, index, tuple(labels)): [first, second]
        for family, index, labels, first, second in rows
    }


def encode_value(value: dict[CellKey, Cell], covered: int = 0) -> bytes:
    """A bucket's snapshot record: its sums as of input offset `covered`."""
    return _encoder.encode((covered, _rows(value)))


def encode_flush(meta: Meta, buckets: Buckets) -> bytes:
    """A partition's meta record: its meta and the buckets the flush changed."""
    return _encoder.encode((meta, {b: _rows(cells) for b, cells in buckets.items()}))


def encode_delivered(tick: float) -> bytes:
    return _encoder.encode(tick)


def decode_delivered(value: bytes) -> float:
    return float(_float_decoder.decode(value))


def decode_value(
    bucket: int, value: bytes
) -> tuple[int, dict[CellKey, Cell]] | tuple[Meta, Buckets]:
    """(covered, a bucket's cells), or for META (the meta, its buckets); raises
    msgspec.DecodeError (a ValueError) on a malformed value."""
    if bucket == META:
        meta, buckets = _flush_decoder.decode(value)
        return meta, {b: _cells(rows) for b, rows in buckets.items()}
    covered, rows = _cells_decoder.decode(value)
    return covered, _cells(rows)
