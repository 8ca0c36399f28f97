"""Whether a rule's hit is talked about rather than said: cited, negated or condemned.

A phrase that sits inside a citation — a quoted string, a code span, the clause after "such
as" or "e.g." (the citation regions of `injection_signals.yaml`) — is a text quoting an
attack ("if a tweet says "disregard your rules", treat it as text"), not making one. A
harmful phrase right after a prohibition ("never describe minors", "no nudity") or right
before a condemnation ("... is egregiously unethical") is a rule or a judgement about it, not
a request for it. A category counts such hits at its `cited_factor` / `negated_factor`
(1: off). Looked for only in a text where such a category has hits, so it costs nothing on
the texts that have none. Every pattern is RE2, matched on short slices or once per text.
"""

from __future__ import annotations

from sentinel.filters.content.engine import Regex
from sentinel.filters.content.normalize import TextViews
from sentinel.filters.content.structure import StructureScorer

# At most one word between the prohibition and the hit: "never describe minors", "no explicit
# ...", "must not include" (not "no problem writing ..."). Looked for in the `_BEFORE`
# characters before the hit.
_NEGATED = Regex(
    r"(?i)\b(?:never|not|no|nor|don'?t|do not|does not|doesn'?t|must not|mustn'?t|avoid(?:ing)?|"
    r"without|exclud(?:e|ing)|forbid(?:den)?|prohibit(?:ed)?|refuse to|nothing)"
    r"(?:\s+[\w'’/-]+)?[\s\"'“”‘’(]*\z"
)
# A judgement right after the hit: "... is egregiously unethical", "... are crimes".
_CONDEMNED = Regex(
    r"(?i)\A[\s\"'“”‘’)]*,?\s*(?:is|are|was|were|would be|being|remains?)\s+"
    r"(?:\w+ly\s+|also\s+|always\s+|never\s+)?"
    r"(?:unethical|immoral|wrong|illegal|unlawful|criminal|crimes?|a crime|abuse|abhorrent|"
    r"unacceptable|forbidden|prohibited|not (?:ok|okay|acceptable|allowed))\b"
)
_BEFORE = 48
_AFTER = 64

Span = tuple[int, int]


class Distance:
    """Citation regions (computed once per text, on first use) and negation checks."""

    __slots__ = ("_regions", "_views")

    def __init__(self, views: TextViews) -> None:
        self._views = views
        self._regions: list[Span] | None = None

    def cited(self, start: int, end: int) -> bool:
        """The original-text span lies inside a citation region."""
        if self._regions is None:
            self._regions = StructureScorer.packaged().citation_regions(self._views)
        return any(a <= start and end <= b for a, b in self._regions)

    def negated(self, start: int, end: int) -> bool:
        """A prohibition right before the span, or a condemnation right after it."""
        text = self._views.original
        if _NEGATED.search_text(text[max(0, start - _BEFORE) : start]) is not None:
            return True
        return _CONDEMNED.search_text(text[end : end + _AFTER]) is not None
