"""The one module that talks to google-re2: linear-time regexes and pattern sets, typed.

RE2 matches in time linear in the input (no backtracking), so no pattern can hang the
process on crafted text. Its memory is capped per compiled object (`max_mem`); a regex whose
DFA runs out of memory falls back to a slower, still linear, engine, while an `RE2::Set`
silently reports no match. `PatternSet` adds an always-matching canary pattern so that
failure is detected and the caller can fall back to the single regexes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

# RE2's own default per compiled regex (8 MiB) is ample for single patterns; sets of many
# patterns get the rules' `max_mem_bytes`.
DEFAULT_MAX_MEM = 8 << 20
# A user pattern compiling to more instructions than this is refused: big programs make
# big, slow DFAs (RE2 stays linear, but the constant grows with the program).
MAX_PROGRAM_SIZE = 20_000
# Matching bytes, `Regex` calls the compiled RE2 object under the wrapper directly:
# `Match(anchor, data, pos, endpos)` gives the (start, end) byte span of the match and of
# each group, (-1, -1) for none. The wrapper's `finditer` builds a generator and a match
# object per match, which costs as much as the match itself on short texts.
_UNANCHORED = re2._Anchor.UNANCHORED
_NO_SPAN = (-1, -1)


class RegexError(ValueError):
    """A pattern RE2 refuses (syntax, size) or one that would match the empty string."""


def _message(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else exc
    return detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)


def _options(max_mem: int, ignore_case: bool) -> object:
    options = re2.Options()
    options.max_mem = max_mem
    options.log_errors = False
    options.case_sensitive = not ignore_case
    return options


class Regex:
    """One compiled RE2 pattern, matched on UTF-8 bytes (spans are byte offsets)."""

    __slots__ = ("_groupindex", "_match", "_regex", "groups", "pattern")

    def __init__(
        self, pattern: str, *, max_mem: int = DEFAULT_MAX_MEM, ignore_case: bool = False
    ) -> None:
        try:
            self._regex = re2.compile(pattern, _options(max_mem, ignore_case))
        except re2.error as exc:
            raise RegexError(f"invalid RE2 pattern: {_message(exc)}") from exc
        self.pattern = pattern
        self._match = self._regex._regexp.Match  # see _UNANCHORED
        self.groups: int = self._regex.groups
        self._groupindex: dict[str, int] = dict(self._regex.groupindex)

    @property
    def group_names(self) -> dict[str, int]:
        """Named groups and their numbers."""
        return dict(self._groupindex)

    @property
    def program_size(self) -> int:
        return int(self._regex.programsize)

    def matches_empty(self) -> bool:
        return self._regex.fullmatch(b"") is not None

    def search(self, data: bytes) -> bool:
        return bool(self._match(_UNANCHORED, data, 0, len(data))[0] != _NO_SPAN)

    def _all(self, data: bytes) -> Iterator[list[tuple[int, int]]]:
        """The spans of every non-overlapping match, as the wrapper's `finditer` steps."""
        match, pos, end = self._match, 0, len(data)
        while True:
            spans: list[tuple[int, int]] = match(_UNANCHORED, data, pos, end)
            if spans[0] == _NO_SPAN:
                return
            yield spans
            if pos == end:
                return
            pos = pos + 1 if pos == spans[0][1] else spans[0][1]  # an empty match moves on

    def spans(self, data: bytes, group: int = 0) -> Iterator[tuple[int, int]]:
        """Byte spans of every non-overlapping match (of `group`, when it took part)."""
        for spans in self._all(data):
            start, end = spans[group]
            if start >= 0:
                yield start, end

    def group_spans(self, data: bytes, *groups: int) -> Iterator[tuple[tuple[int, int], ...]]:
        """Byte spans of the given groups, per match ((-1, -1): the group took no part)."""
        for spans in self._all(data):
            yield tuple(spans[group] for group in groups)

    def text_spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Character spans of every non-overlapping match in a str."""
        if text.isascii():  # byte and character offsets agree
            for spans in self._all(text.encode("ascii")):
                yield spans[0]
            return
        for match in self._regex.finditer(text):
            yield match.span()

    def named_spans_text(
        self, text: str, names: Sequence[str]
    ) -> Iterator[tuple[str, tuple[int, int]]]:
        """(group name, character span) of the named group that took part, per match."""
        index = [(name, self._groupindex[name]) for name in names]
        matches: Iterator[Sequence[tuple[int, int]]]
        if text.isascii():  # byte and character offsets agree
            matches = self._all(text.encode("ascii"))
        else:
            matches = (
                [match.span(g) for g in range(self.groups + 1)]
                for match in self._regex.finditer(text)
            )
        for spans in matches:
            for name, group in index:
                start, end = spans[group]
                if start >= 0:
                    yield name, (start, end)
                    break

    def search_text(self, text: str) -> tuple[int, int] | None:
        """Character span of the first match in a str."""
        if text.isascii():
            data = text.encode("ascii")
            span: tuple[int, int] = self._match(_UNANCHORED, data, 0, len(data))[0]
            return None if span == _NO_SPAN else span
        match = self._regex.search(text)
        return None if match is None else match.span()


def checked(pattern: str, *, ignore_case: bool = False) -> Regex:
    """Compile a user pattern, refusing what RE2 refuses, huge programs and empty matches."""
    regex = Regex(pattern, ignore_case=ignore_case)
    if regex.program_size > MAX_PROGRAM_SIZE:
        raise RegexError(
            f"pattern compiles to {regex.program_size} RE2 instructions "
            f"(limit {MAX_PROGRAM_SIZE}); split it or use a term list"
        )
    if regex.matches_empty():
        raise RegexError("pattern matches the empty string")
    return regex


class PatternSet:
    """Many patterns in one pass: which of them match somewhere in the input."""

    __slots__ = ("_canary", "_match", "_set", "size")

    def __init__(self, patterns: Sequence[str], *, max_mem: int, ignore_case: bool) -> None:
        self._set = re2.Set.SearchSet(_options(max_mem, ignore_case))
        try:
            for pattern in patterns:
                self._set.Add(pattern)
            # Matches every input, at its end: its absence means the set ran out of memory.
            # (An empty pattern would do too, but it makes every DFA state a match state, and
            # RE2 then records the set's matches at every byte: a third of a pass's time.)
            self._canary = self._set.Add(r"\z")
            self._set.Compile()
        except re2.error as exc:
            raise RegexError(
                f"could not build a pattern set ({len(patterns)} patterns, max_mem {max_mem} "
                f"bytes): {_message(exc)}"
            ) from exc
        self.size = len(patterns)
        self._match = self._set._set.Match  # the compiled set under the wrapper, on bytes

    def match(self, data: bytes) -> list[int] | None:
        """Indexes of the matching patterns; None when RE2 ran out of memory."""
        found: list[int] = self._match(data)
        if self._canary not in found:
            return None
        found.remove(self._canary)
        return found
