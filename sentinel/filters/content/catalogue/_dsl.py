"""Small helpers that keep the built-in rules readable.

`rx` turns a readable pattern into RE2 source: a bare `(` opens a non-capturing group, a
space means one or more whitespace characters (" ?" means optional whitespace), and `{wN}`
means up to N intervening words.
Normalized-view patterns get word boundaries at their ends (unless `raw`) and are written
in lowercase, without apostrophes ("dont",
"im", "youre"): the view drops punctuation inside words and reads `l` as `i` for them.
"""

from __future__ import annotations

import re
from typing import Any

_OPEN = re.compile(r"(?<!\\)\((?!\?)")
_GAP = re.compile(r"\{w(\d+)\}")

Rule = dict[str, Any]


def rx(readable: str) -> str:
    source = _OPEN.sub("(?:", readable)
    source = source.replace(" ?", r"\s*").replace(" ", r"\s+")
    return _GAP.sub(lambda m: f"(?:\\S+\\s+){{0,{m.group(1)}}}", source)


def pattern(
    rule_id: str,
    readable: str,
    *,
    weight: float = 1.0,
    view: str = "normalized",
    raw: bool = False,
    min_entropy: float | None = None,
    distinct_by: str | None = None,
) -> Rule:
    source = readable if raw else rx(readable)
    if view == "normalized" and not raw:  # whole words: "ignore" must not match "ignored"
        source = bounded(source)
    rule: Rule = {"id": rule_id, "pattern": source, "view": view}
    if weight != 1.0:
        rule["weight"] = weight
    if min_entropy is not None:
        rule["min_entropy"] = min_entropy
    if distinct_by is not None:
        rule["distinct_by"] = distinct_by
    return rule


def terms(rule_id: str, *phrases: str, weight: float = 1.0) -> Rule:
    rule: Rule = {"id": rule_id, "terms": list(phrases)}
    if weight != 1.0:
        rule["weight"] = weight
    return rule


def _close(source: str, open_at: int) -> int:
    """Index of the `)` closing the group opened at `open_at` (escapes and classes skipped)."""
    depth, i, in_class = 0, open_at, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _alternatives(source: str) -> list[str]:
    """`source` split at its top-level `|`."""
    parts, start, i = [], 0, 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = source.index("]", i + 2 if source[i + 1 : i + 2] == "]" else i + 1) + 1
            continue
        if c == "(":
            i = _close(source, i) + 1
            continue
        if c == "|":
            parts.append(source[start:i])
            start = i + 1
        i += 1
    parts.append(source[start:])
    return parts


def _starts_word(alt: str) -> bool:
    if not alt:
        return False
    if alt[0].isalnum():
        return True
    if alt.startswith("(?:"):
        end = _close(alt, 0)
        if end < 0 or alt[end + 1 : end + 2] in ("?", "*", "{"):
            return False
        return all(_starts_word(a) for a in _alternatives(alt[3:end]))
    return False


def _ends_word(alt: str) -> bool:
    if not alt:
        return False
    if alt[-1].isalnum():
        return len(alt) < 2 or alt[-2] != "\\"
    if alt[-1] == ")":
        depth, i = 0, len(alt) - 1
        while i >= 0:  # find the matching `(` (patterns here escape literal parentheses)
            if alt[i] == ")" and (i == 0 or alt[i - 1] != "\\"):
                depth += 1
            elif alt[i] == "(" and (i == 0 or alt[i - 1] != "\\"):
                depth -= 1
                if depth == 0:
                    break
            i -= 1
        inner = alt[i + 1 : -1]
        inner = inner[2:] if inner.startswith("?:") else inner
        return i >= 0 and all(_ends_word(a) for a in _alternatives(inner))
    return False


def bounded(source: str) -> str:
    """`source` with word boundaries on the ends of alternatives that surely are words."""
    out = []
    for alt in _alternatives(source):
        head = r"\b" if _starts_word(alt) else ""
        tail = r"\b" if _ends_word(alt) else ""
        out.append(f"{head}{alt}{tail}")
    return "(?:" + "|".join(out) + ")"
