"""The state topic's records: key = input topic, partition and bucket (or `meta`).

Values are absolute (the bucket's sums as they are now, the partition's positions), never
deltas, so log compaction may keep only the latest record per key and a reader that sees
any suffix of updates still ends with the right state. A bucket that left every window is
deleted with a tombstone (a record with no value).
"""

from __future__ import annotations

import msgspec

from sentinel.state.cells import Cell, CellKey

_SEP = "\x1f"  # unit separator: not found in topic names
META = -1  # the `bucket` of a partition's meta record


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
_cells_decoder = msgspec.msgpack.Decoder(list[_CellRow])
_meta_decoder = msgspec.msgpack.Decoder(Meta)


def encode_key(topic: str, partition: int, bucket: int) -> bytes:
    tail = "meta" if bucket == META else str(bucket)
    return f"{topic}{_SEP}{partition}{_SEP}{tail}".encode()


def decode_key(key: bytes) -> tuple[str, int, int]:
    """(topic, partition, bucket or META); raises ValueError on a foreign key."""
    topic, partition, tail = key.decode().split(_SEP)
    return topic, int(partition), META if tail == "meta" else int(tail)


def encode_value(value: dict[CellKey, Cell] | Meta) -> bytes:
    if isinstance(value, Meta):
        return _encoder.encode(value)
    rows = [
        (family, index, list(labels), s[0], s[1]) for (family, index, labels), s in value.items()
    ]
    return _encoder.encode(rows)


def decode_value(bucket: int, value: bytes) -> dict[CellKey, Cell] | Meta:
    """Raises msgspec.DecodeError (a ValueError) on a malformed value."""
    if bucket == META:
        return _meta_decoder.decode(value)
    return {
        (family, index, tuple(labels)): [first, second]
        for family, index, labels, first, second in _cells_decoder.decode(value)
    }
