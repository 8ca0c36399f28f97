"""Replace finding spans in a text with `<CATEGORY>` placeholders."""

from __future__ import annotations

from collections.abc import Iterable

from sentinel.values import Finding


def redact(text: str, findings: Iterable[Finding]) -> str:
    """Overlapping spans merge; the placeholder names the first category of a merged span."""
    spans = sorted(
        (f.start, f.end, f.category) for f in findings if 0 <= f.start < f.end <= len(text)
    )
    if not spans:
        return text
    out: list[str] = []
    cursor = 0
    current_start, current_end, category = spans[0]
    for start, end, cat in spans[1:]:
        if start < current_end:
            current_end = max(current_end, end)
            continue
        out += [text[cursor:current_start], f"<{category}>"]
        cursor = current_end
        current_start, current_end, category = start, end, cat
    out += [text[cursor:current_start], f"<{category}>", text[current_end:]]
    return "".join(out)
