"""Encoded payloads hidden in a text: base64, base32, hex, percent and \\u escapes, binary
octets, and Unicode tag characters ("ASCII smuggling"). Each is decoded when it reads as
text, so the rules can run on what it says; findings then point at the encoded span."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from urllib.parse import unquote

from sentinel.filters.content.engine import Regex

# A payload shorter than this cannot say much; one longer is a file (an image), not a message.
MIN_ENCODED_CHARS = 24
MAX_ENCODED_CHARS = 64 * 1024
MAX_BLOBS_PER_TEXT = 16  # decoded payloads scanned per field
MAX_ATTEMPTS_PER_TEXT = 64  # candidates tried per field: bounds the work a text can ask for

_CANDIDATES = Regex(
    r"(?P<b64>[A-Za-z0-9+/_\-]{24,}={0,2})"
    r"|(?P<pct>(?:%[0-9A-Fa-f]{2}[^%\s]{0,24}){6,})"
    r"|(?P<uni>(?:\\u[0-9A-Fa-f]{4}){6,})"
    r"|(?P<bin>(?:[01]{8}[ ]?){6,})"
    r"|(?P<tag>[\x{E0020}-\x{E007E}]{6,})"
)
_GROUPS = ("b64", "pct", "uni", "bin", "tag")
_WORDS = re.compile(r"[A-Za-z]{2,}")


def _readable(decoded: bytes | str) -> str | None:
    """The decoded text if it reads as text (mostly letters and spaces), else None."""
    if isinstance(decoded, bytes):
        try:
            text = decoded.decode("utf-8")
        except UnicodeDecodeError:
            return None
    else:
        text = decoded
    if len(text) < 8 or text.count(" ") < 2:
        return None
    letters = sum(1 for c in text if c.isalpha() or c == " ")
    return text if letters >= 0.75 * len(text) and len(_WORDS.findall(text)) >= 3 else None


def _base64(blob: str) -> str | None:
    if re.fullmatch(r"[0-9a-fA-F]+", blob) and len(blob) % 2 == 0:
        return _readable(binascii.unhexlify(blob))
    padded = blob + "=" * (-len(blob) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            text = _readable(decode(padded))
        except (binascii.Error, ValueError):
            continue
        if text is not None:
            return text
    if re.fullmatch(r"[A-Z2-7]+=*", blob):
        try:
            return _readable(base64.b32decode(blob + "=" * (-len(blob) % 8)))
        except (binascii.Error, ValueError):
            return None
    return None


def _decode(kind: str, blob: str) -> str | None:
    if kind == "b64":
        return _base64(blob)
    if kind == "pct":
        return _readable(unquote(blob))
    if kind == "uni":
        return _readable("".join(chr(int(h, 16)) for h in re.findall(r"\\u([0-9A-Fa-f]{4})", blob)))
    if kind == "bin":
        return _readable(bytes(int(octet, 2) for octet in re.findall(r"[01]{8}", blob)))
    return _readable("".join(chr(ord(c) - 0xE0000) for c in blob))


def encoded_payloads(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, decoded text) of each encoded span that decodes to readable text."""
    found = attempts = 0
    for kind, (start, end) in _CANDIDATES.named_spans_text(text, _GROUPS):
        if not MIN_ENCODED_CHARS <= end - start <= MAX_ENCODED_CHARS:
            continue
        attempts += 1
        if attempts > MAX_ATTEMPTS_PER_TEXT:
            return
        decoded = _decode(kind, text[start:end])
        if decoded is not None:
            yield start, end, decoded
            found += 1
            if found >= MAX_BLOBS_PER_TEXT:
                return
