"""JSON Lines files (optionally gzip) and stdin as a source; JSONL files as a sink."""

from __future__ import annotations

import base64
import gzip
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import msgspec

from sentinel.errors import SinkError, SourceError
from sentinel.io.records import OutRecord, Record


class FileSource:
    """One record per non-empty line; `-` reads stdin. Offsets are line numbers."""

    def __init__(self, path: str, on_progress: Callable[[int], None] | None = None) -> None:
        self.path = path
        self.size_bytes = 0
        self._raw: IO[bytes] | None = None
        try:
            if path == "-":
                self._stream: IO[bytes] | gzip.GzipFile = sys.stdin.buffer
            else:
                self.size_bytes = Path(path).stat().st_size
                self._raw = open(path, "rb")  # noqa: SIM115  # closed in close()
                self._stream = (
                    gzip.GzipFile(fileobj=self._raw) if path.endswith(".gz") else self._raw
                )
        except OSError as exc:
            raise SourceError(f"could not open {path}: {exc.strerror}") from exc
        self._line = 0
        self._exhausted = False
        self._on_progress = on_progress

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def poll(self, max_records: int, timeout_seconds: float) -> list[Record]:
        batch: list[Record] = []
        try:
            while len(batch) < max_records:
                line = self._stream.readline()
                if not line:
                    self._exhausted = True
                    break
                self._line += 1
                value = line.rstrip(b"\r\n")
                if value.strip():
                    batch.append(Record(value=value, topic=self.path, offset=self._line))
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise SourceError(f"could not read {self.path} at line {self._line}: {exc}") from exc
        if self._on_progress is not None and self._raw is not None:
            self._on_progress(self._raw.tell())
        return batch

    def commit(self) -> None:
        pass  # a file has no offsets to store

    def close(self) -> None:
        if self._raw is not None:
            self._stream.close()
            self._raw.close()


class JsonlSink:
    """Writes each record as one JSON line.

    With `plain_json` (verdict and review files), a record whose value is a JSON object is
    written as that object, as a consumer of the topic would read it. Otherwise (dead
    letters, whose value is the raw input) the line is an envelope: stream, key, headers,
    encoding and the value as UTF-8 text or base64.
    """

    def __init__(self, path: str, name: str, plain_json: bool = False) -> None:
        self.name = name
        self.path = path
        self.plain_json = plain_json
        try:
            self._file = open(path, "wb")  # noqa: SIM115  # closed in close()
        except OSError as exc:
            raise SinkError(f"could not open {path}: {exc.strerror}") from exc
        self._encoder = msgspec.json.Encoder()

    def send(self, record: OutRecord) -> None:
        value_bytes = record.value
        # our records are single-line msgspec JSON; anything else keeps the envelope
        if self.plain_json and value_bytes[:1] == b"{" and b"\n" not in value_bytes:
            self._file.write(value_bytes + b"\n")
            return
        try:
            value: str = record.value.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            value, encoding = base64.b64encode(record.value).decode("ascii"), "base64"
        line = {
            "stream": record.stream,
            "key": record.key.decode("utf-8", "replace") if record.key else None,
            "headers": {k: v.decode("utf-8", "replace") for k, v in record.headers},
            "encoding": encoding,
            "value": value,
        }
        self._file.write(self._encoder.encode(line) + b"\n")

    def flush(self) -> None:
        try:
            self._file.flush()
        except OSError as exc:
            raise SinkError(f"could not write {self.path}: {exc.strerror}") from exc

    def close(self) -> None:
        self.flush()
        self._file.close()
