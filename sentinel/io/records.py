"""What sources yield and sinks accept, and the contracts they follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from msgspec import Struct

if TYPE_CHECKING:
    from sentinel.io.kafka import KafkaSettings

Headers = tuple[tuple[str, bytes], ...]


class Record(Struct, frozen=True, gc=False):
    """One raw input message and where it came from (a frozen msgspec struct: one is built
    per consumed message, at a tenth of a frozen dataclass's construction cost)."""

    value: bytes
    key: bytes | None = None
    topic: str = ""
    partition: int = 0
    offset: int = -1


class OutRecord(Struct, frozen=True, gc=False):
    """One output message; `stream` is logical (`dead_letter`, `verdicts`), sinks map it."""

    stream: str
    value: bytes
    key: bytes | None = None
    headers: Headers = ()


class Source(Protocol):
    """Yields batches; `commit()` marks everything polled so far as done.

    The runner calls `commit()` only after every output of the polled records was
    accepted, so offsets only move past work that is finished.
    """

    @property
    def exhausted(self) -> bool:
        """True when a finite source has nothing more to give."""
        ...

    def poll(self, max_records: int, timeout_seconds: float) -> list[Record]: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


PartitionId = tuple[str, int]


class GroupSource(Source, Protocol):
    """A member of a Kafka consumer group: `sentinel run`'s input on either client
    (`sentinel.io.kafka.KafkaSource`, `sentinel.io.confluent_source.ConfluentSource`).

    Rebalances happen inside `poll`, after the previous batch was committed: revoked (or
    lost) partitions go to `on_revoked`, assigned ones to `on_assigned`. With `positions`
    set (shared monitor state), `commit` sends those offsets and metadata for assigned
    partitions instead of the polled positions. `lag` raises SourceError when the broker
    does not answer."""

    settings: KafkaSettings
    positions: Callable[[], dict[PartitionId, tuple[int, str]]] | None
    on_revoked: Callable[[list[PartitionId]], None] | None
    on_assigned: Callable[[list[PartitionId]], None] | None

    @property
    def assigned(self) -> bool:
        """True while the member holds partitions."""
        ...

    def partitions(self) -> set[PartitionId]:
        """Every partition of the subscribed topics."""
        ...

    def lag(self) -> dict[PartitionId, int]: ...


class Sink(Protocol):
    """Accepts records; `flush()` returns once all are durable or raises `SinkError`."""

    name: str

    def send(self, record: OutRecord) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class BrokerSink(Sink, Protocol):
    """A sink that talks to a broker, which may be unreachable when the service stops."""

    def abandon(self) -> None:
        """Close without waiting for the broker: what it has not accepted is dropped (the
        batch it belongs to was not committed)."""
        ...
