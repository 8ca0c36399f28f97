"""How large a record an existing topic takes (`max.message.bytes`), asked of the broker.

Dead letters carry the raw event. A dead-letter topic made with a stock broker's defaults
takes about 1 MB, so a 2 MB malformed event's dead letter was refused, the flush failed,
the batch was not committed, and every restart met the same event. `sentinel run` asks the
topic's limit at start and keeps dead letters under it (the original stays at its source
offset, named in the dead letter's headers).
"""

from __future__ import annotations

from typing import Any

import structlog
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import KafkaError

from sentinel.io.kafka import KafkaSettings

log = structlog.get_logger("sentinel.kafka")

# Left under the topic's limit for the record's headers and its batch's framing.
HEADROOM_BYTES = 16 * 1024


def message_limit(settings: KafkaSettings, topic: str) -> int | None:
    """The topic's `max.message.bytes`, or None when the broker does not say (the topic
    does not exist yet, no permission to describe it, an unreachable broker)."""
    admin: KafkaAdminClient | None = None
    try:
        admin = KafkaAdminClient(**settings.for_client(KafkaAdminClient.DEFAULT_CONFIG))
        described: Any = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        return int(described["topic"][topic]["max.message.bytes"]["value"])
    except (KafkaError, KeyError, TypeError, ValueError) as exc:
        log.info("topic_limit_unknown", topic=topic, error=type(exc).__name__)
        return None
    finally:
        if admin is not None:
            admin.close()


def dead_letter_bytes(limit: int | None, default: int) -> int:
    """Raw bytes a dead letter may carry on a topic taking `limit` bytes per record."""
    if limit is None:
        return default
    return max(1024, min(default, limit - HEADROOM_BYTES))
