"""No silent success: what a replay's input says when nothing in it could be used.

An empty input, or one whose every record is a dead letter (wrong file, wrong
`--otlp-encoding`, wrong text encoding), gives an empty report that looks like a quiet day.
`check_input` turns those cases into a warning and a distinct exit code.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass

EXIT_EMPTY_INPUT = 5  # the input held no record at all
EXIT_NO_VALID_INPUT = 6  # every record was a dead letter
_SNIFF_BYTES = 64 * 1024  # enough for the first events of a file


@dataclass(frozen=True, slots=True)
class InputProblem:
    exit_code: int
    message: str


def check_input(
    read: int, invalid: int, invalid_by_reason: dict[str, int], head: bytes, otlp: bool
) -> InputProblem | None:
    """The problem with an input of `read` records, `invalid` of them dead letters, whose
    first bytes are `head`; None when some of it was used."""
    if read == 0:
        return InputProblem(EXIT_EMPTY_INPUT, "the input holds no records: nothing was replayed")
    if invalid < read:
        return None
    reasons = ", ".join(f"{r} {n:,}" for r, n in sorted(invalid_by_reason.items()))
    message = f"all {read:,} records were dead letters ({reasons}): nothing was replayed"
    return InputProblem(EXIT_NO_VALID_INPUT, message + _hint(head, otlp))


def _hint(head: bytes, otlp: bool) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00":
        return "; the file looks like UTF-16: convert it to UTF-8"
    if otlp and b'"sentinel.llm.v1"' in head:
        return "; these look like v1 events: replay them without --otlp-encoding"
    if not otlp and b'"resourceSpans"' in head:
        return "; these look like OTLP/JSON traces: add --otlp-encoding otlp_json"
    return ""


def read_head(path: str) -> bytes:
    """The first bytes of a file (decompressed for `.gz`); empty for stdin or on error."""
    if path == "-":
        return b""
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as stream:
                return stream.read(_SNIFF_BYTES)
        with open(path, "rb") as stream:
            return stream.read(_SNIFF_BYTES)
    except (OSError, EOFError):
        return b""
