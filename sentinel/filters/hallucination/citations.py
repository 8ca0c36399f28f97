"""Citations in an output and whether the exchange's context holds what they cite.

Forms read: `[3]`, `[1, 2]`, `[1-3]`, `[doc-3]`, `[^2]`, `【3†source】`, `(source: kb-12)`,
`(sources: a.pdf; https://…)`, reference lines `[1]: https://…`, and bare ids such as
`doc-3` or `Document 2` whose word is a known id prefix. A citation is supported by a chunk
id (compared without case or separators), a 1-based chunk index, a chunk's source (URL or
name), or a URL found in the context text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from sentinel.events.model import ContextChunk
from sentinel.filters.hallucination.claims import trim_url, url_key, url_prefixes
from sentinel.filters.spans import SpanSet

CitationForm = Literal["index", "id", "url", "source"]

# `[...]` that is not a markdown link's text nor glued to a digit, `_` or a call (f()[1]).
# Glued to a letter stays a citation: "the capital[1]" is common in answers.
_BRACKET = re.compile(r"(?<![\d_)])\[([^\[\]\n]{1,200})\](?!\()")
_LENTICULAR = re.compile(r"【(\d{1,3})(?:[:†][^】\n]{0,200})?】")
_DEFINITION = re.compile(r"^[ \t]*\[\^?([^\]\n]{1,64})\]:[ \t]*(\S*)", re.MULTILINE)
_PAREN = re.compile(
    r"\((sources?|src|refs?|references?|citations?|cited?|see|cf\.)(:?)[ \t]*([^()\n]{1,300})\)",
    re.IGNORECASE,
)
_BARE = re.compile(r"(?<![\w/.#-])([A-Za-z]{2,20})([-_#:]| ?)(\d{1,6})(?![\w-])")
_ITEM = re.compile(r"[^,;]+")
_RANGE = re.compile(r"(\d{1,3})\s*[-–]\s*(\d{1,3})")
_ID_LIKE = re.compile(r"[A-Za-z][\w.:/#-]{0,127}")
_ID_PARTS = re.compile(r"([A-Za-z]+)[-_#: ]?(\d+)")
_FILE = re.compile(r"\.[A-Za-z0-9]{2,5}$")
_NOT_ID = re.compile(r"[\W_]+")
_MAX_RANGE = 50  # [1-3] expands; a wider range is read as its two ends
_MATCHES_PER_LOOK = 256  # citation matches read between two looks at the time budget


@dataclass(frozen=True, slots=True)
class Citation:
    form: CitationForm
    start: int
    end: int
    value: str  # the index digits, the id, the URL or the source name as written


def norm_id(text: str) -> str:
    """`Doc-3`, `doc_3` and `DOC 3` are one id."""
    return _NOT_ID.sub("", text.casefold())


class ContextIndex:
    """Chunk ids, indexes and sources of one exchange's context."""

    def __init__(self, chunks: Sequence[ContextChunk], extra_prefixes: Iterable[str]) -> None:
        self.count = len(chunks)
        self.ids = {norm_id(c.id) for c in chunks if c.id}
        self.id_numbers: set[int] = set()
        self.id_prefixes: set[str] = set()
        for chunk in chunks:
            parts = _ID_PARTS.fullmatch(chunk.id.strip())
            if parts is not None:
                self.id_prefixes.add(parts.group(1).casefold())
                self.id_numbers.add(int(parts.group(2)))
            elif chunk.id.isdigit():
                self.id_numbers.add(int(chunk.id))
        self.prefixes = self.id_prefixes | {p.casefold() for p in extra_prefixes}
        self.sources: set[str] = set()
        self.source_urls: set[str] = set()
        for chunk in chunks:
            if not chunk.source:
                continue
            source = chunk.source.strip()
            self.sources.add(source.casefold())
            self.sources.add(source.rstrip("/").rsplit("/", 1)[-1].casefold())  # file name
            if "://" in source or source.startswith("www."):
                self.source_urls.update(url_prefixes(url_key(source)))

    def supports(self, citation: Citation, context_urls: frozenset[str]) -> bool:
        value = citation.value
        if citation.form == "index":
            return self._index(int(value))
        if citation.form == "url":
            key = url_key(value)
            return key in self.source_urls or key in context_urls or norm_id(value) in self.ids
        if norm_id(value) in self.ids or value.casefold() in self.sources:
            return True
        if "." in value:  # a source URL written without its scheme
            key = url_key(value)
            return key in self.source_urls or key in context_urls
        parts = _ID_PARTS.fullmatch(value)
        if parts is None or parts.group(1).casefold() in self.id_prefixes:
            return False  # `doc-7` when chunk ids are doc-N: only that id will do
        return self._index(int(parts.group(2)))  # `Document 2`, `source 3`: an index

    def _index(self, n: int) -> bool:
        return 1 <= n <= self.count or n in self.id_numbers


def _bare_possible(text: str, prefixes: set[str]) -> bool:
    """Whether `_BARE` can find a known prefix: its word is ASCII letters whose casefold is
    a prefix, so that prefix occurs in the lower-cased text (ASCII letters lower one to one)."""
    if not prefixes:
        return False
    lowered = text.lower()
    return any(p in lowered for p in prefixes)


def find_citations(
    text: str,
    index: ContextIndex,
    skip: list[tuple[int, int]],
    screen: bool = True,
    expired: Callable[[], bool] | None = None,
) -> tuple[list[Citation], list[tuple[int, int]]] | None:
    """Citations in text order, and the spans they cover (claims skip them); None when
    `expired` said the time budget ran out first (an output can hold a million brackets).

    With `screen` (the default), a pattern whose literal characters are absent from the
    text is not run: it could match nothing (a test compares both ways on fuzzed texts)."""
    budget = _Budget(expired)
    found: list[Citation] = []
    spans = list(skip)
    taken = SpanSet(skip)  # the same spans, asked in O(log n)
    defined: set[str] = set()

    def free(start: int, end: int) -> bool:
        return not taken.overlaps(start, end)

    def take(start: int, end: int) -> None:
        spans.append((start, end))
        taken.add(start, end)

    definitions = _DEFINITION.finditer(text) if not screen or "]:" in text else ()
    lenticular = _LENTICULAR.finditer(text) if not screen or "【" in text else ()
    brackets = _BRACKET.finditer(text) if not screen or "[" in text else ()
    parens = _PAREN.finditer(text) if not screen or "(" in text else ()
    bare = _BARE.finditer(text) if not screen or _bare_possible(text, index.prefixes) else ()
    for m in budget.each(definitions):  # `[1]: https://…` reference lines
        defined.add(m.group(1).lstrip("^"))
        target = m.group(2)
        if target.startswith(("http://", "https://", "www.")) and free(m.start(2), m.end(2)):
            url = trim_url(target)
            found.append(Citation("url", m.start(2), m.start(2) + len(url), url))
        take(m.start(), m.end())
    for m in budget.each(lenticular):
        if free(m.start(), m.end()):
            found.append(Citation("index", m.start(1), m.end(1), m.group(1)))
            take(m.start(), m.end())
    for m in budget.each(brackets):
        if free(m.start(), m.end()):
            items = list(_bracket_items(m.group(1), m.start(1), index, defined))
            if items:
                found.extend(items)
                take(m.start(), m.end())
    for m in budget.each(parens):
        if free(m.start(), m.end()):
            explicit = bool(m.group(2))  # (source: X) names a source; (see X) may not
            items = list(_paren_items(m.group(3), m.start(3), index, explicit))
            if items:
                found.extend(items)
                take(m.start(), m.end())
    for m in budget.each(bare):
        if m.group(1).casefold() in index.prefixes and free(m.start(), m.end()):
            found.append(Citation("id", m.start(), m.end(), m.group()))
            take(m.start(), m.end())
    if budget.cut:
        return None
    found.sort(key=lambda c: c.start)
    return found, spans


class _Budget:
    """Matches one by one, with a look at the time budget every `_MATCHES_PER_LOOK`."""

    def __init__(self, expired: Callable[[], bool] | None) -> None:
        self.expired = expired
        self.cut = False

    def each(self, matches: Iterable[re.Match[str]]) -> Iterable[re.Match[str]]:
        if self.cut:  # an earlier pattern ran out of time: the result is dropped anyway
            return ()
        return matches if self.expired is None else self._each(matches)

    def _each(self, matches: Iterable[re.Match[str]]) -> Iterator[re.Match[str]]:
        assert self.expired is not None
        for n, m in enumerate(matches):
            if not n % _MATCHES_PER_LOOK and self.expired():
                self.cut = True
                return
            yield m


def _items(content: str, offset: int) -> Iterator[tuple[int, int, str]]:
    for m in _ITEM.finditer(content):
        raw = m.group()
        item = raw.strip()
        if item:
            start = offset + m.start() + (len(raw) - len(raw.lstrip()))
            yield start, start + len(item), item


def _bracket_items(
    content: str, offset: int, index: ContextIndex, defined: set[str]
) -> Iterator[Citation]:
    for start, end, item in _items(content, offset):
        if item.startswith("^"):  # footnote: resolved by its own definition when it has one
            label = item[1:]
            if label in defined:
                continue
            form: CitationForm = "index" if label.isdigit() and len(label) <= 3 else "id"
            yield Citation(form, start, end, label)
        elif item.isdigit() and len(item) <= 3:  # [2019] is a year, not citation 2019
            if item not in defined and int(item) > 0:  # [0] is code (indexes are 1-based)
                yield Citation("index", start, end, item)
        elif (r := _RANGE.fullmatch(item)) is not None:
            yield from _range(int(r.group(1)), int(r.group(2)), start, end)
        elif item.startswith(("http://", "https://", "www.")):
            yield Citation("url", start, end, item)
        elif _known(item, index) or _looks_like_id(item, index):
            yield Citation("id", start, end, item)


def _range(first: int, last: int, start: int, end: int) -> Iterator[Citation]:
    numbers = range(first, last + 1) if 0 <= last - first <= _MAX_RANGE else (first, last)
    for n in numbers:
        yield Citation("index", start, end, str(n))


def _paren_items(
    content: str, offset: int, index: ContextIndex, explicit: bool
) -> Iterator[Citation]:
    for start, end, item in _items(content, offset):
        if item.startswith(("http://", "https://", "www.")):
            yield Citation("url", start, end, trim_url(item))
        elif item.isdigit() and len(item) <= 3:
            yield Citation("index", start, end, item)
        elif _known(item, index) or _looks_like_id(item, index):
            yield Citation("id", start, end, item)
        elif explicit and len(item) <= 100:  # (source: Company Handbook) names a source
            yield Citation("source", start, end, item)


def _known(item: str, index: ContextIndex) -> bool:
    return norm_id(item) in index.ids or item.casefold() in index.sources


def _looks_like_id(item: str, index: ContextIndex) -> bool:
    """kb-12 (a known id word), handbook.pdf (a file name); not [sic], [x] or [Figure 3]."""
    parts = _ID_PARTS.fullmatch(item)
    if parts is not None:
        return parts.group(1).casefold() in index.prefixes
    if not _ID_LIKE.fullmatch(item):
        return False
    return bool(_FILE.search(item)) and not item.replace(".", "").isdigit()
