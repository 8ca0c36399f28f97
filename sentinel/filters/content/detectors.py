"""Detectors that are more than a pattern: invisible characters, homoglyphs, exfiltration
links, and the entropy gate for secrets. Each returns spans in the original text."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from sentinel.filters.content.config import ExfilSettings, SecretsSettings, UnicodeSettings
from sentinel.filters.content.engine import Regex
from sentinel.filters.content.normalize import (
    CONFUSABLES,
    INVISIBLE_CLASS,
    INVISIBLE_GATE,
    TextViews,
)

Span = tuple[int, int, str, float]  # start, end (original characters), rule id, weight


def entropy(value: str | bytes) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in Counter(value).values())


def is_secret(value: bytes, min_entropy: float, settings: SecretsSettings) -> bool:
    """A matched secret value is high-entropy and not a placeholder."""
    if entropy(value) < min_entropy:
        return False
    lowered = value.decode("utf-8", "replace").casefold()
    return not any(marker.casefold() in lowered for marker in settings.ignore_values_containing)


# --- invisible, zero-width, bidi-control characters --------------------------------------

_INVISIBLE_RUN = re.compile(f"[{INVISIBLE_CLASS}]+")
# Scripts that use joiners, direction marks or zero-width spaces in ordinary writing:
# Hebrew, Arabic, Syriac, Thaana, Indic, Sinhala, Thai, Lao, Tibetan, Myanmar, Khmer,
# Mongolian, CJK and kana, Hangul, Hebrew and Arabic presentation forms.
_SCRIPTS_THAT_USE_THEM = (
    (0x0590, 0x08FF),
    (0x0900, 0x0DFF),
    (0x0E00, 0x0FFF),
    (0x1000, 0x109F),
    (0x1100, 0x11FF),
    (0x1780, 0x18AF),
    (0x3000, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xFB1D, 0xFDFF),
    (0xFE70, 0xFEFE),
)
_PRESENTATION = frozenset("\ufe0e\ufe0f")
_JOINERS = frozenset("\u200c\u200d\ufe0f")
_SCRIPT_MARKS = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u061c\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
)
_DIRECTION_MARKS = frozenset("\u200e\u200f\u061c")
_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _in_scripts(c: str) -> bool:
    cp = ord(c)
    return any(low <= cp <= high for low, high in _SCRIPTS_THAT_USE_THEM)


def _is_emoji(c: str) -> bool:
    cp = ord(c)
    return cp >= 0x1F000 or 0x2190 <= cp <= 0x2BFF or cp in (0x00A9, 0x00AE, 0x20E3)


def _kind(run: str) -> str:
    chars = set(run)
    if chars & _OVERRIDES or chars & _DIRECTION_MARKS:
        return "unicode.bidi_control"
    if any(0xE0000 <= ord(c) <= 0xE007F for c in chars):
        return "unicode.tag_characters"
    if chars & set("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"):
        return "unicode.zero_width"
    if any(0xFE00 <= ord(c) <= 0xFE0F or 0xE0100 <= ord(c) <= 0xE01EF for c in chars):
        return "unicode.variation_selector"
    return "unicode.invisible_other"


def _allowed(text: str, start: int, end: int, settings: UnicodeSettings) -> bool:
    """Ordinary uses: presentation selectors, soft hyphens, a leading byte-order mark, emoji
    joiners and flag tags, ideographic variation selectors, the joiners, direction marks
    and zero-width spaces of scripts that need them, and a lone zero-width space that splits
    no word (pasted text carries them between sentences). Bidi overrides and isolates never."""
    run = text[start:end]
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    chars = set(run)
    if chars & _OVERRIDES:
        return False
    if settings.allow_lone_zero_width_space and run == "\u200b":
        return not (before.isalnum() and after.isalnum())  # it splits no word
    if chars <= _PRESENTATION or chars == {"\u00ad"} or (start == 0 and run == "\ufeff"):
        return True
    if (
        before == "\U0001f3f4"
        and run[-1] == "\U000e007f"
        and all(0xE0020 <= ord(c) <= 0xE007F for c in run)
    ):
        return True  # subdivision flag emoji (England, Scotland, Wales)
    if before and all(0xE0100 <= ord(c) <= 0xE01EF for c in run):
        return 0x3400 <= ord(before) <= 0x9FFF or 0x20000 <= ord(before) <= 0x3FFFF
    emoji_joined = before and after and _is_emoji(before) and _is_emoji(after)
    if settings.allow_emoji_joiners and chars <= _JOINERS and emoji_joined:
        return True
    if settings.allow_script_joiners and chars <= _SCRIPT_MARKS:
        if (before and _in_scripts(before)) or (after and _in_scripts(after)):
            return True
        if chars <= _DIRECTION_MARKS:  # a direction mark is harmless unless it splits a word
            return not (before.isalnum() and after.isalnum())
    return False


def invisible(text: str, settings: UnicodeSettings, limit: int) -> Iterator[Span]:
    """Runs of invisible characters, except their ordinary uses; at most `limit` (more
    would not be reported)."""
    if text.isascii() or INVISIBLE_GATE.search_text(text) is None:
        return
    found = 0
    for match in _INVISIBLE_RUN.finditer(text):
        start, end = match.span()
        if not _allowed(text, start, end, settings):
            yield start, end, _kind(match.group()), 1.0
            found += 1
            if found >= limit:
                return


def homoglyphs(views: TextViews) -> Iterator[Span]:
    """Words that read as Latin words once their Cyrillic/Greek look-alikes are replaced."""
    for start, end in views.mixed_words:
        word = views.original[start:end]
        if "".join(CONFUSABLES.get(c, c) for c in word).isascii():
            yield start, end, "unicode.mixed_script", 1.0


# --- data-exfiltration links ---------------------------------------------------------------

_MD_LINK = Regex(r"(!?)\[[^\]\n]*\]\(\s*<?((?i:https?)://[^\s)>]+)")
_MD_REFERENCE = Regex(r"(?m)^[ \t]{0,3}(\[)[^\]\n]+\]:[ \t]*<?((?i:https?)://[^\s>]+)")
_HTML = Regex(
    r"(?i)<(img|image|a|iframe|script|link|source|video|audio|embed|object|input)\b[^>]*?"
    r"\b(?:src|href|data|srcset|poster|background)\s*=\s*[\"']?(https?://[^\"'\s>]+)"
)
_BARE = Regex(r"(?i)https?://[^\s<>\"'`)\]]+")
_AUTO_LOADED = {
    "img",
    "image",
    "iframe",
    "script",
    "source",
    "video",
    "audio",
    "embed",
    "object",
    "input",
}
_ENCODED = re.compile(r"[A-Za-z0-9+/=_\-.~%]+")
_KIND_RANK = {"bare": 0, "link": 1, "image": 2}


@dataclass(frozen=True, slots=True)
class _Link:
    start: int  # byte offsets of the URL in the original text
    end: int
    kind: str  # image (fetched without a click), link, bare
    rule_id: str


def _links(data: bytes, bare: bool) -> list[_Link]:
    found: dict[tuple[int, int], _Link] = {}

    def add(link: _Link) -> None:
        key = (link.start, link.end)
        if key not in found or _KIND_RANK[link.kind] > _KIND_RANK[found[key].kind]:
            found[key] = link

    for marker, (start, end) in _MD_LINK.group_spans(data, 1, 2):
        image = marker[1] > marker[0]
        add(
            _Link(
                start,
                end,
                "image" if image else "link",
                "exfil.markdown_image" if image else "exfil.markdown_link",
            )
        )
    for _, (start, end) in _MD_REFERENCE.group_spans(data, 1, 2):
        add(_Link(start, end, "link", "exfil.markdown_reference"))
    for (tag_start, tag_end), (start, end) in _HTML.group_spans(data, 1, 2):
        loaded = data[tag_start:tag_end].decode("ascii", "replace").lower() in _AUTO_LOADED
        add(
            _Link(
                start,
                end,
                "image" if loaded else "link",
                "exfil.html_image" if loaded else "exfil.html_link",
            )
        )
    if bare:
        for start, end in _BARE.spans(data):
            add(_Link(start, end, "bare", "exfil.bare_url"))
    return sorted(found.values(), key=lambda link: link.start)


def _allowed_host(host: str, allow: list[str]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in allow)


def _evidence(url: str, settings: ExfilSettings) -> tuple[bool, bool, bool]:
    """(long query, encoded payload, text payload) carried by `url`."""
    parts = urlsplit(url)
    values = [value for pair in parse_qsl(parts.query, keep_blank_values=True) for value in pair]
    raw_values = re.split(r"[&=;]", parts.query) + parts.path.split("/") + [parts.fragment]
    encoded = any(
        len(value) >= settings.min_payload_chars
        and _ENCODED.fullmatch(value) is not None
        and entropy(value) >= settings.min_payload_entropy
        for value in raw_values
    )
    text = any(
        len(value) >= settings.min_payload_chars and value.count(" ") >= 3
        for value in [*values, unquote_plus(parts.fragment)]
    )
    return len(parts.query) > settings.max_query_chars, encoded, text


def exfil_links(views: TextViews, settings: ExfilSettings) -> Iterator[tuple[int, int, str, float]]:
    """URLs in links and images that carry data to a host not on the allow-list.

    Yields byte spans of the original text (the caller maps them to characters). An image
    (fetched as soon as the text is rendered) fires on any evidence; a link on an encoded
    payload, or on a long query together with a text payload; a bare URL on an encoded
    payload only."""
    data = views.encoded("original")
    if b"://" not in data:
        return
    allow = [domain.lower().strip(".") for domain in settings.allow_domains]
    for link in _links(data, settings.bare_urls):
        url = data[link.start : link.end].decode("utf-8", "replace")
        try:
            host = (urlsplit(url).hostname or "").lower()
            long_query, encoded, text = _evidence(url, settings)
        except ValueError:  # a malformed URL (bad port, brackets): judge by its length
            host, long_query, encoded, text = "", len(url) > settings.max_query_chars, False, False
        if allow and host and _allowed_host(host, allow):
            continue
        if link.kind == "image":
            weight = 1.0 if (long_query or encoded or text) else 0.0
        elif link.kind == "link":
            weight = 1.0 if encoded else 0.5 * (long_query + text)
        else:
            weight = 1.0 if encoded else 0.0
        if weight > 0:
            yield link.start, link.end, link.rule_id, weight
