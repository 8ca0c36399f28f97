"""The content filter's fast paths give exactly what the paths they replace give.

Each optimisation keeps its reference path callable: the RE2 wrapper's `finditer` beside the
engine's direct calls, the normalized view with every step looking for itself beside the
one-pass prescreen, and the citation regions looked for on every text with evidence. Both
run on the development corpora and on generated text made of what the steps react to.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import re2  # type: ignore[import-untyped]  # google-re2 ships no type information
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.filters.content import ContentFilter, ContentRules, structure
from sentinel.filters.content import filter as content_filter
from sentinel.filters.content.engine import Regex
from sentinel.filters.content.normalize import TextViews
from sentinel.values import FieldKind

ROOT = Path(__file__).parents[2]
RULES = ContentRules.model_validate(
    yaml.safe_load((ROOT / "sentinel" / "rules" / "defaults" / "content.yaml").read_text())
)
KINDS: tuple[FieldKind, ...] = ("user", "context", "output", "tool", "system")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
# Letters, digits, leet symbols, separators, inner punctuation, look-alikes, invisible and
# accented characters, quotes: the bytes the normalized view's steps and the citations see.
PIECES = [
    *"abcdeilnorstuxy0134578@$ .-_*,/|+~'`\u2019\"\n",
    "\u0456",  # Cyrillic i
    "\u043e",  # Cyrillic o
    "\u200b",  # zero-width space
    "\u00e9",  # e with acute
    "\uff49",  # fullwidth i
    "ignore ",
    "previous instructions",
    "don't ",
    "i g n o r e ",
    "a.l.l ",
    "1gn0r3 ",
    "500mg ",
    "assistant: ",
    'such as "',
    "system prompt",
]
TEXT = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def _development_texts() -> list[str]:
    """Texts of the development corpora (never the held-out ones)."""
    texts: list[str] = []
    for name in ("dev_injections.yaml", "dev_benign.yaml"):
        data = yaml.safe_load((ROOT / "bench" / "eval" / "data" / name).read_text())
        texts += [item["text"] for item in data["items"]]
    return texts


DEVELOPMENT = _development_texts()


def _wrapper_spans(pattern: str, data: bytes | str) -> list[list[tuple[int, int]]]:
    """Every group's span per match, from the wrapper's own finditer (the reference)."""
    compiled = re2.compile(pattern)
    return [[m.span(g) for g in range(compiled.groups + 1)] for m in compiled.finditer(data)]


ENGINE_PATTERNS = [
    r"[a-z0-9](?:[.\-_*'`\x{2019}]+[a-z0-9])+",
    r"(\w+)(?:@(\w+))?",
    r"(?P<word>[a-z]+)|(?P<digits>[0-9]+)",
    r"x*",  # matches the empty string: the scan must still move on
    r"\b",
]


@pytest.mark.parametrize("pattern", ENGINE_PATTERNS)
@FAST
@given(text=TEXT)
def test_engine_spans_equal_the_wrapper_finditer(pattern: str, text: str) -> None:
    """Direct RE2 calls find the same matches, groups and spans as the wrapper's finditer."""
    regex = Regex(pattern)
    data = text.encode("utf-8")
    expected = _wrapper_spans(pattern, data)
    assert [list(s) for s in regex.group_spans(data, *range(regex.groups + 1))] == expected
    assert list(regex.spans(data)) == [m[0] for m in expected]
    assert regex.search(data) == bool(expected)
    by_char = _wrapper_spans(pattern, text)
    assert list(regex.text_spans(text)) == [m[0] for m in by_char]
    assert regex.search_text(text) == (by_char[0][0] if by_char else None)


@FAST
@given(text=TEXT)
def test_engine_named_spans_equal_the_wrapper_finditer(text: str) -> None:
    """Per match, the named group that took part and its character span, as the wrapper."""
    pattern = r"(?P<word>[a-z]+)|(?P<digits>[0-9]+)|(?P<other>[^a-z0-9 ]+)"
    regex = Regex(pattern)
    expected = []
    for spans in _wrapper_spans(pattern, text):
        name = next(n for n, g in (("word", 1), ("digits", 2), ("other", 3)) if spans[g][0] >= 0)
        expected.append((name, spans[{"word": 1, "digits": 2, "other": 3}[name]]))
    assert list(regex.named_spans_text(text, ["word", "digits", "other"])) == expected


def _views_agree(text: str) -> None:
    fast, reference = TextViews(text), TextViews(text, prescreen=False)
    assert fast.normalized_bytes == reference.normalized_bytes
    size = len(fast.normalized_bytes)
    spans = [(s, e) for s in range(0, size + 1, 3) for e in (s, min(size, s + 5))]
    assert fast.to_original("normalized", spans) == reference.to_original("normalized", spans)


@FAST
@given(text=TEXT)
def test_the_prescreened_normalized_view_equals_the_stepwise_one(text: str) -> None:
    """With the one-pass prescreen the normalized view and its map back are unchanged."""
    _views_agree(text)


def test_the_prescreened_normalized_view_equals_the_stepwise_one_on_development_texts() -> None:
    """The same on every development text of the evaluation corpora."""
    for text in DEVELOPMENT:
        _views_agree(text)


def _reference_evidence(
    self: structure.StructureScorer, views: TextViews, limit: int = 64
) -> list[structure.Evidence]:
    """Evidence with citation regions looked for on every text that has any (the old path)."""
    found = self._set.match(views.folded_bytes)
    chosen = range(len(self.signals)) if found is None else found
    spans, owners = [], []
    for index in chosen:
        signal = self.signals[index]
        for n, span in enumerate(signal.regex.spans(views.folded_bytes)):
            if n >= limit:
                break
            spans.append(span)
            owners.append(signal)
    if not spans:
        return []
    cited = self._cited(views.folded_bytes, spans)
    original = views.to_original("folded", spans)
    out = [
        structure.Evidence(s.id, s.kind, start, end, s.weight, c)
        for s, (start, end), c in zip(owners, original, cited, strict=True)
    ]
    out.sort(key=lambda e: (e.start, e.end))
    return out


def _scan_all(texts: list[str]) -> list[object]:
    content = ContentFilter(RULES)
    return [content.scan_scored(text, kind) for text in texts for kind in KINDS]


def test_findings_and_scores_equal_the_reference_paths_on_development_texts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every finding and injection score on the development corpora, fast and reference."""
    fast = _scan_all(DEVELOPMENT)
    monkeypatch.setattr(content_filter, "TextViews", functools.partial(TextViews, prescreen=False))
    monkeypatch.setattr(structure.StructureScorer, "evidence", _reference_evidence)
    reference = _scan_all(DEVELOPMENT)
    assert sum(len(found) for found, _ in fast) > 100  # the corpora have findings to compare
    assert fast == reference


@FAST
@given(text=TEXT)
def test_injection_scores_equal_the_reference_evidence_on_generated_text(text: str) -> None:
    """The structural score and discount do not depend on the skipped citation regions."""
    scorer = structure.StructureScorer.packaged()
    views = TextViews(text)
    fast, reference = scorer.evidence(views), _reference_evidence(scorer, views)
    assert [(e.signal, e.start, e.end) for e in fast] == [
        (e.signal, e.start, e.end) for e in reference
    ]
    assert scorer.score(fast) == scorer.score(reference)
    assert scorer.discounted(fast) == scorer.discounted(reference)
    assert [e for e in fast if e.kind != structure.DISCUSSION] == [
        e for e in reference if e.kind != structure.DISCUSSION
    ]


def test_kinds_reading_the_same_rules_in_a_view_share_one_set() -> None:
    """One compiled set (and its DFA cache) serves every kind with the same rules in a view."""
    plans = ContentFilter(RULES)._plans
    original = {kind: v for kind, plan in plans.items() for v in plan.views if v.view == "original"}
    assert original["user"].patterns is original["output"].patterns
    assert [r.rule_id for r in original["user"].rules] == [
        r.rule_id for r in original["output"].rules
    ]
    normalized = {
        kind: v for kind, plan in plans.items() for v in plan.views if v.view == "normalized"
    }
    assert normalized["user"].patterns is not normalized["output"].patterns  # different rules
