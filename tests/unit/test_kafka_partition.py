"""The verdict producer's key partitioning equals Kafka's default (murmur2) partitioning."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.cluster import ClusterMetadata
from kafka.partitioner.default import DefaultPartitioner
from kafka.partitioner.default import murmur2 as reference

from sentinel.io.partition import KeyPartitioner, murmur2


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_murmur2_equals_kafka_python(key: bytes) -> None:
    """The word-at-a-time murmur2 returns kafka-python's (the Java client's) hash for any key."""
    assert murmur2(key) == reference(key)


def test_murmur2_every_tail_length() -> None:
    """Keys of every length mod 4 (the tail bytes) hash like the reference."""
    for n in range(0, 300):
        key = bytes((i * 37 + n) % 256 for i in range(n))
        assert murmur2(key) == reference(key)


class _Cluster(ClusterMetadata):  # type: ignore[misc]  # untyped base
    def __init__(self, partitions: set[int]) -> None:
        super().__init__()
        self.parts = partitions

    def topics(self, exclude_internal_topics: bool = True) -> set[str]:
        return {"verdicts"}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.parts if topic == "verdicts" else None

    def available_partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.parts


def test_partition_matches_default_partitioner_and_follows_metadata() -> None:
    """Keyed records land where kafka-python's default puts them, also after partitions grow
    and on a topic of one partition (no hash computed)."""
    ours, theirs = KeyPartitioner(), DefaultPartitioner()
    cluster = _Cluster({0, 1, 2})
    keys = [f"req-{i}".encode() for i in range(2000)]
    for parts in ({0, 1, 2}, {0, 1, 2, 3, 4, 5, 6}, {4}):
        cluster.parts = parts
        for key in keys:
            assert ours.partition("verdicts", key, key, None, b"v", cluster) == theirs.partition(
                "verdicts", key, key, None, b"v", cluster
            )
    cluster.parts = {0, 1, 2, 3, 4, 5, 6}
    keyless = {ours.partition("verdicts", None, None, None, b"v", cluster) for _ in range(200)}
    assert keyless <= cluster.parts and len(keyless) > 1
