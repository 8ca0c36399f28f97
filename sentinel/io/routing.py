"""Sink combinators: route logical streams to different sinks; drop a stream on purpose."""

from __future__ import annotations

from sentinel.io.records import OutRecord, Sink


class NullSink:
    """Accepts and forgets (a stream nobody asked to keep)."""

    name = "null"

    def send(self, record: OutRecord) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class RoutingSink:
    """Sends each record to the sink of its stream; unrouted streams are dropped."""

    name = "routing"

    def __init__(self, routes: dict[str, Sink]) -> None:
        self._routes = routes
        self._null = NullSink()

    def send(self, record: OutRecord) -> None:
        self._routes.get(record.stream, self._null).send(record)

    def flush(self) -> None:
        for sink in self._unique():
            sink.flush()

    def close(self) -> None:
        for sink in self._unique():
            sink.close()

    def _unique(self) -> list[Sink]:
        unique: list[Sink] = []
        for sink in self._routes.values():
            if all(sink is not seen for seen in unique):
                unique.append(sink)
        return unique
