"""In-memory source and sink: fakes shipped for users' own tests (and ours)."""

from __future__ import annotations

from collections.abc import Iterable

from sentinel.errors import SinkError
from sentinel.io.records import OutRecord, Record


class MemorySource:
    """Serves the given raw values as records of one partition; remembers commits."""

    def __init__(self, values: Iterable[bytes], topic: str = "memory") -> None:
        self._records = [Record(value=v, topic=topic, offset=i) for i, v in enumerate(values)]
        self._position = 0
        self.committed = 0  # offsets below this are committed

    @property
    def exhausted(self) -> bool:
        return self._position >= len(self._records)

    def poll(self, max_records: int, timeout_seconds: float) -> list[Record]:
        batch = self._records[self._position : self._position + max_records]
        self._position += len(batch)
        return batch

    def commit(self) -> None:
        self.committed = self._position

    def close(self) -> None:
        pass


class MemorySink:
    """Keeps what was flushed in `records`; `fail_next_flush` simulates an outage."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.records: list[OutRecord] = []
        self._buffer: list[OutRecord] = []
        self.fail_next_flush = False

    def send(self, record: OutRecord) -> None:
        self._buffer.append(record)

    def flush(self) -> None:
        if self.fail_next_flush:
            self.fail_next_flush = False
            raise SinkError(f"could not flush {self.name}: simulated failure")
        self.records.extend(self._buffer)
        self._buffer.clear()

    def close(self) -> None:
        self.flush()

    def stream(self, name: str) -> list[OutRecord]:
        return [r for r in self.records if r.stream == name]
