"""Turn rules into RE2 source: term lists into one alternation, normalized-view patterns folded.

The normalized view reads `l` as `i` (so "1" and "l" spell alike) and is casefolded; a
pattern for that view is folded the same way (literal l/L become i; a class range that holds
l gains i) and compiled case-insensitively, so authors write plain words.
"""

from __future__ import annotations

import re

from sentinel.filters.content.normalize import normalize_text

_GROUP_PREFIX = re.compile(r"\(\?(?:P?<[^>]*>|[a-zA-Z\-]*[:)])")
_WORD = re.compile(r"\w")


def _fold_range(low: str, high: str) -> str:
    for letter, fold in (("l", "i"), ("L", "i")):
        if low <= letter <= high and not (low <= fold <= high or low <= fold.upper() <= high):
            return fold
    return ""


def fold_pattern(pattern: str) -> str:
    """`pattern` with literal l/L read as i, outside escapes, class names and group names."""
    out: list[str] = []
    i, size = 0, len(pattern)
    in_class = False
    class_start = 0
    while i < size:
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt in ("p", "P", "x") and pattern[i + 2 : i + 3] == "{":
                end = pattern.find("}", i + 3)
                end = size if end < 0 else end + 1
                out.append(pattern[i:end])
                i = end
            elif nxt in ("p", "P"):
                out.append(pattern[i : i + 3])
                i += 3
            elif nxt == "Q":
                end = pattern.find("\\E", i + 2)
                stop = size if end < 0 else end
                out.append("\\Q" + pattern[i + 2 : stop].replace("l", "i").replace("L", "i"))
                if end >= 0:
                    out.append("\\E")
                i = stop + 2 if end >= 0 else size
            else:
                out.append(pattern[i : i + 2])
                i += 2
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                end = size if end < 0 else end + 2
                out.append(pattern[i:end])
                i = end
                continue
            if c == "]" and i > class_start:
                in_class = False
                out.append(c)
                i += 1
                continue
            if pattern[i + 1 : i + 2] == "-" and i + 2 < size and pattern[i + 2] not in "]\\":
                out.append(pattern[i : i + 3] + _fold_range(c, pattern[i + 2]))
                i += 3
                continue
            out.append("i" if c in "lL" else c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if pattern[i : i + 1] == "^":
                out.append("^")
                i += 1
            class_start = i  # a `]` right here is a literal
            continue
        if c == "(":
            prefix = _GROUP_PREFIX.match(pattern, i)
            if prefix is not None:
                out.append(prefix.group())
                i = prefix.end()
                continue
        out.append("i" if c in "lL" else c)
        i += 1
    return "".join(out)


def _term_regex(term: str) -> str:
    words = normalize_text(term.replace("-", " ").replace("_", " ")).split()
    body = r"\s*".join(re.escape(word) for word in words)
    if not body:
        return ""
    head = r"\b" if _WORD.match(words[0][0]) and words[0][0].isascii() else ""
    tail = r"\b" if _WORD.match(words[-1][-1]) and words[-1][-1].isascii() else ""
    return head + body + tail


def terms_pattern(terms: list[str]) -> str:
    """One RE2 alternation matching any of `terms` as whole words on the normalized view."""
    alternatives = sorted({r for r in map(_term_regex, terms) if r}, key=lambda r: (-len(r), r))
    return "(?:" + "|".join(alternatives) + ")"
