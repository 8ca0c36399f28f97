"""Offset maps: from a view's offsets back to its source's, and UTF-8 bytes to characters."""

from __future__ import annotations

from bisect import bisect_right


class OffsetMap:
    """Piecewise map from view offsets to source offsets.

    Segment k starts at view offset `outs[k]` and source offset `srcs[k]`; inside it a
    linear segment (step 1) advances with the view, a constant one (step 0: one source
    character expanded to several, e.g. "ﬁ" → "fi") stays on its source character."""

    __slots__ = ("outs", "srcs", "steps")

    def __init__(self) -> None:
        self.outs: list[int] = []
        self.srcs: list[int] = []
        self.steps: list[int] = []

    def linear(self, out: int, src: int) -> None:
        if self.steps and self.steps[-1] == 1 and self.srcs[-1] - self.outs[-1] == src - out:
            return
        self.outs.append(out)
        self.srcs.append(src)
        self.steps.append(1)

    def constant(self, out: int, src: int) -> None:
        self.outs.append(out)
        self.srcs.append(src)
        self.steps.append(0)

    def source(self, i: int) -> int:
        k = bisect_right(self.outs, i) - 1
        if k < 0:
            return i
        return self.srcs[k] + self.steps[k] * (i - self.outs[k])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Source span of the view span [start, end) (end: one past its last character)."""
        if end <= start:
            s = self.source(start)
            return s, s
        return self.source(start), self.source(end - 1) + 1


def deletions(spans: list[tuple[int, int]]) -> OffsetMap:
    """The map of a view made by deleting the (sorted, disjoint) spans from its source."""
    offsets = OffsetMap()
    offsets.linear(0, 0)
    deleted = 0
    for start, end in spans:
        deleted += end - start
        offsets.linear(end - deleted, end)
    return offsets


def char_offsets(data: bytes, offsets: list[int]) -> dict[int, int]:
    """Character offsets of byte offsets into UTF-8 `data`."""
    result: dict[int, int] = {}
    last_byte = last_char = 0
    for offset in sorted(set(offsets)):
        chunk = data[last_byte:offset]
        try:
            last_char += len(chunk.decode("utf-8", "surrogatepass"))
        except UnicodeDecodeError:  # an offset inside a character: count whole ones
            last_char += len(chunk.decode("utf-8", "ignore"))
        last_byte = offset
        result[offset] = last_char
    return result
