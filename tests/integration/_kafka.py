"""Kafka helpers for integration tests (real broker from scripts/kafka.sh)."""

from __future__ import annotations

from kafka import KafkaAdminClient

# Same as the broker's message.max.bytes in scripts/kafka.sh: events of 5 MB+ must fit.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


def create_topic(
    bootstrap: str,
    name: str,
    partitions: int = 1,
    configs: dict[str, str] | None = None,
) -> None:
    """Create `name` and wait until every partition has a leader.

    Topic-level max.message.bytes is set to 16 MiB unless `configs` says otherwise.
    """
    topic_configs = {"max.message.bytes": str(MAX_MESSAGE_BYTES), **(configs or {})}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="sentinel-it-admin")
    try:
        admin.create_topics(
            {
                name: {
                    "num_partitions": partitions,
                    "replication_factor": 1,
                    "configs": topic_configs,
                }
            },
            wait_for_metadata=True,
        )
    finally:
        admin.close()
