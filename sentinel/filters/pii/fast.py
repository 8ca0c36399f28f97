"""The fast path: exactly Presidio's findings, computed only where Presidio can find any.

Presidio (same recognizers, NLP engine and thresholds) runs every recognizer over the whole
text, tokenizes all of it, raises scores with context words, drops low scores, then drops
results contained in a same-entity result of equal or higher score. Here:

1. One RE2 set pass says which recognizers can match at all (`gates.py`): a recognizer
   whose triggers are absent finds nothing in Presidio either, and is skipped.
2. Each remaining recognizer runs only on its regions (RE2 runs of characters it can
   consume, holding a trigger; every Presidio match lies inside one), widened by a margin
   for what its regexes look at around a match. Matches outside the regions are dropped
   (by the argument in `gates.py` a scan from the margin meets a region exactly as a scan of
   the whole text does). Custom RE2 recognizers run on the whole text: linear time.
3. Only where something was found, a context window is tokenized: whole whitespace-
   delimited chunks around the results, holding the keywords Presidio reads (5 before a
   match and the first one from it on), plus one chunk to spare at each end. spaCy splits
   on whitespace before anything else, so these tokens are the whole text's tokens there.
   Presidio's own context enhancer then scores the results.
4. Presidio's threshold rule and `remove_duplicates` run over all results together.

When `expired()` says the time budget is spent (asked before each recognizer and each
context window), what was found so far is returned, the rest without its context boost.

Known difference: python-phonenumbers gives up after 65,535 rejected candidates per text
and region; on texts that large Presidio stops finding phone numbers, this path does not.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from sentinel.filters.pii import phone
from sentinel.filters.pii.contextual import ContextPhoneRecognizer
from sentinel.filters.pii.engine import PiiEngine
from sentinel.filters.pii.gates import STRONG, Gate
from sentinel.filters.pii.nlp import LANGUAGE, is_keyword
from sentinel.filters.pii.phone import PhoneBounds
from sentinel.filters.pii.recognizers import Re2Recognizer

# First guesses for the context on each side of a result (about 6 keywords before, 1 after);
# a window that turns out too narrow is widened and tokenized again.
BEFORE_CHARS = 96
AFTER_CHARS = 32
# Runs of a pattern recognizer this close are scanned in one call (fewer Presidio calls on
# number-dense text; results outside the runs are dropped either way).
MERGE_GAP_CHARS = 256
_WHITESPACE = re.compile(r"\s")  # Python's \s is str.isspace(), spaCy's split criterion
_ID = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
_NAME = RecognizerResult.RECOGNIZER_NAME_KEY


@dataclass
class _Scan:
    """Where a recognizer runs: runs widened by its margin; the runs; phone regions needed."""

    start: int
    end: int
    inside: list[tuple[int, int]]
    regions: set[str]


@dataclass
class _Window:
    """A context window and the results (absolute spans) whose context it holds."""

    start: int
    end: int
    results: list[RecognizerResult]
    lo: int  # first result start
    hi: int  # last result end


class FastAnalyzer:
    """`analyze(text, entities)` equals `engine.presidio(text, entities)`, only faster."""

    def __init__(self, engine: PiiEngine) -> None:
        self.engine = engine
        self.gate = Gate(engine.specs)
        self._by_id = {r.id: r for r in engine.recognizers}
        self._thresholds = {r.id: r.score_thresholds for r in engine.recognizers}
        self._default_threshold = engine.analyzer.default_score_threshold
        self._enhancer = engine.analyzer.context_aware_enhancer
        self._before = self._enhancer.context_prefix_count + 1  # the match's token counts
        self._after = self._enhancer.context_suffix_count + 1
        self._no_artifacts = engine.nlp.artifacts([], [])  # pattern recognizers ignore them
        # entity set -> its recognizers (Presidio's order) and their ids
        self._wanted: dict[frozenset[str], tuple[list[EntityRecognizer], frozenset[str]]] = {}
        self._phones = {
            r.id: PhoneBounds(r.supported_regions)
            for r in engine.recognizers
            if isinstance(r, PhoneRecognizer)
        }

    def analyze(
        self,
        text: str,
        entities: Collection[str],
        expired: Callable[[], bool] | None = None,
    ) -> tuple[list[RecognizerResult], bool]:
        """Presidio's results for `text`, and False if `expired` cut the scan short."""
        asked = frozenset(entities)
        known = self._wanted.get(asked)
        if known is None:  # the recognizers of these entities, in Presidio's order
            mine = [r for r in self.engine.recognizers if set(r.supported_entities) & asked]
            known = self._wanted[asked] = (mine, frozenset(r.id for r in mine))
        wanted, ids = known
        results: list[RecognizerResult] = []
        complete = True
        if wanted and text:
            results, complete = self._patterns(text, wanted, ids, list(entities), expired)
        ner = self.engine.ner
        ner_entities = [e for e in self.engine.ner_entities if e in entities]
        if ner is not None and ner_entities and text and complete:
            found = ner.analyze(text, LANGUAGE, entities=ner_entities)
            results = EntityRecognizer.remove_duplicates(results + found)
        return results, complete

    def _patterns(
        self,
        text: str,
        wanted: list[EntityRecognizer],
        ids: frozenset[str],
        entities: list[str],
        expired: Callable[[], bool] | None,
    ) -> tuple[list[RecognizerResult], bool]:
        fired = self.gate.fired(text)
        if fired.isdisjoint(ids):  # no wanted recognizer's trigger: Presidio finds nothing
            return [], True
        raw: list[RecognizerResult] = []
        for recognizer in wanted:
            if recognizer.id not in fired or self._hopeless(text, recognizer):
                continue
            if expired is not None and expired():
                return self._finish(raw), False  # cut short: scores without context
            if self.engine.specs[recognizer.id].run is None:  # RE2: the whole text, linear
                if isinstance(recognizer, ContextPhoneRecognizer):  # minds the budget itself
                    found, whole = recognizer.analyze_within(text, expired)
                else:
                    found, whole = recognizer.analyze(text, entities, self._no_artifacts), True
                raw += [_tag(r, recognizer) for r in found]
                if not whole:
                    return self._finish(raw), False
            else:
                runs = self.gate.runs(self._run_key(text, recognizer), text)
                raw += self._match(recognizer, text, runs, entities)
        # Presidio's enhancer leaves results of recognizers without context words as they
        # are (sentinel's context-reading recognizers score their own context): no window.
        # The same holds when none of a recognizer's context words occurs anywhere in the
        # text: Presidio matches them as substrings of lower-cased tokens, so no token can
        # hold one (a digit-dense table then costs no tokenization at all).
        boostable = self._boostable(text, {r.recognition_metadata[_ID] for r in raw})
        scored = [r for r in raw if r.recognition_metadata[_ID] not in boostable]
        windows = self._windows(text, [r for r in raw if r.recognition_metadata[_ID] in boostable])
        for index, window in enumerate(windows):
            if expired is not None and expired():
                rest = [r for w in windows[index:] for r in w.results]  # without context
                return self._finish(scored + rest), False
            scored += self._enhance(text, window)
        return self._finish(scored), True

    def _run_key(self, text: str, recognizer: EntityRecognizer) -> str:
        """The recognizer's runs, or only its strong patterns' runs when its weak patterns
        cannot pass: below every threshold and no context word anywhere in the text."""
        spec = self.engine.specs[recognizer.id]
        if spec.strong_run is None:
            return str(recognizer.id)
        threshold = min(self._threshold_of(recognizer.id, e) for e in recognizer.supported_entities)
        if spec.weak_score >= threshold or self._boostable(text, {recognizer.id}):
            return str(recognizer.id)
        return str(recognizer.id) + STRONG

    def _hopeless(self, text: str, recognizer: EntityRecognizer) -> bool:
        """A rules recognizer whose every pattern scores below its threshold, none of whose
        context words occurs in the text: nothing it finds can be kept."""
        if not isinstance(recognizer, Re2Recognizer):
            return False
        threshold = min(self._threshold_of(recognizer.id, e) for e in recognizer.supported_entities)
        if max(p.score for p in recognizer.spec.patterns) >= threshold:
            return False
        return not self._boostable(text, {recognizer.id})

    def _boostable(self, text: str, ids: set[str]) -> set[str]:
        """Recognizers among `ids` whose context words could raise a score in `text`."""
        lowered: str | None = None
        found = set()
        for key in ids:
            words = [w.lower() for w in self._by_id[key].context or ()]
            if not words:
                continue
            if not all(w.isascii() for w in words):  # lower() of the whole text may differ
                found.add(key)
                continue
            lowered = text.lower() if lowered is None else lowered
            if any(w in lowered for w in words):
                found.add(key)
        return found

    def _match(
        self,
        recognizer: EntityRecognizer,
        text: str,
        runs: list[tuple[int, int]],
        entities: list[str],
    ) -> list[RecognizerResult]:
        """The recognizer's results inside its runs, each scanned with a margin around it."""
        spec = self.engine.specs[recognizer.id]
        bounds = self._phones.get(recognizer.id)
        size = len(text)
        scans: list[_Scan] = []
        for start, end in runs:
            lo, hi = max(0, start - spec.lead), min(size, end + spec.trail)
            regions: tuple[str, ...] = ()
            if bounds is not None:
                regions = bounds.needed(text[lo:start], text[start:end])
                if not regions:
                    continue  # no region's pass can find a number in this cluster
            a, b = max(0, lo - spec.margin), min(size, hi + spec.margin)
            gap = 0 if bounds is not None else MERGE_GAP_CHARS
            if scans and a <= scans[-1].end + gap:
                last = scans[-1]
                last.end = max(last.end, b)
                last.inside.append((lo, hi))
                last.regions.update(regions)
            else:
                scans.append(_Scan(a, b, [(lo, hi)], set(regions)))
        found: list[RecognizerResult] = []
        for scan in scans:
            chunk = text[scan.start : scan.end]
            if bounds is not None and isinstance(recognizer, PhoneRecognizer):
                ordered = [r for r in bounds.regions if r in scan.regions]
                results = phone.analyze(recognizer, chunk, ordered)
            else:
                results = recognizer.analyze(chunk, entities, self._no_artifacts)
            starts, reach = _reach(scan.inside)
            for result in results:
                lo, hi = result.start + scan.start, result.end + scan.start
                i = bisect.bisect_right(starts, lo) - 1  # runs starting at or before lo
                if i >= 0 and reach[i] >= hi:  # one of them ends at or after hi
                    found.append(_tag(_shift(result, scan.start), recognizer))
        return found

    def _windows(self, text: str, results: list[RecognizerResult]) -> list[_Window]:
        windows: list[_Window] = []
        for result in sorted(results, key=lambda r: (r.start, r.end)):
            start = _chunk_start(text, max(0, result.start - BEFORE_CHARS))
            end = _chunk_end(text, result.end + AFTER_CHARS)
            if windows and start <= windows[-1].end:
                last = windows[-1]
                last.results.append(result)
                last.end, last.hi = max(last.end, end), max(last.hi, result.end)
            else:
                windows.append(_Window(start, end, [result], result.start, result.end))
        return windows

    def _enhance(self, text: str, window: _Window) -> list[RecognizerResult]:
        """Presidio's context enhancement of the window's results, on the window's tokens."""
        while True:
            chunk = text[window.start : window.end]
            tokens, offsets = self.engine.nlp.tokenize(chunk)
            left_ok = window.start == 0 or self._enough_before(chunk, tokens, offsets, window)
            right_ok = window.end == len(text) or self._enough_after(chunk, tokens, offsets, window)
            if left_ok and right_ok:
                break
            if not left_ok:  # widen: double the reach, at least one more chunk
                reach = 2 * (window.lo - window.start) + 16
                window.start = _chunk_start(text, max(0, window.lo - reach))
            if not right_ok:
                window.end = _chunk_end(text, window.hi + 2 * (window.end - window.hi) + 16)
        artifacts = self.engine.nlp.artifacts(tokens, offsets)
        local = [_shift(r, -window.start) for r in window.results]
        used = list({r.recognition_metadata[_ID]: None for r in local})
        enhanced = self._enhancer.enhance_using_context(
            text=chunk,
            raw_results=local,
            nlp_artifacts=artifacts,
            recognizers=[self._by_id[key] for key in used],
            context=None,
        )
        return [_shift(r, window.start) for r in enhanced]

    def _enough_before(
        self, chunk: str, tokens: list[str], offsets: list[int], window: _Window
    ) -> bool:
        """Enough keywords before the first result, not counting the window's first chunk."""
        first = _WHITESPACE.search(chunk)
        skip = first.start() if first else len(chunk)
        limit = window.lo - window.start
        count = 0
        for token, offset in zip(tokens, offsets, strict=True):
            if offset + len(token) > limit:
                break
            if offset >= skip and is_keyword(token.lower()):
                count += 1
        return count >= self._before

    def _enough_after(
        self, chunk: str, tokens: list[str], offsets: list[int], window: _Window
    ) -> bool:
        """Enough keywords after the last result, not counting the window's last chunk."""
        last = len(chunk)
        while last > 0 and not chunk[last - 1].isspace():
            last -= 1
        limit = window.hi - window.start
        count = sum(
            1
            for token, offset in zip(tokens, offsets, strict=True)
            if limit <= offset < last and is_keyword(token.lower())
        )
        return count >= self._after

    def _finish(self, results: list[RecognizerResult]) -> list[RecognizerResult]:
        """Presidio's threshold rule, then its `remove_duplicates`."""
        kept = [r for r in results if r.score >= self._threshold(r)]
        return EntityRecognizer.remove_duplicates(kept)

    def _threshold(self, result: RecognizerResult) -> float:
        return self._threshold_of(result.recognition_metadata.get(_ID), result.entity_type)

    def _threshold_of(self, recognizer_id: Any, entity: str) -> float:
        thresholds = self._thresholds.get(recognizer_id, {})
        value = thresholds.get(entity, thresholds.get("default"))
        return float(self._default_threshold if value is None else value)


def _reach(inside: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Starts of the runs (in order) and the furthest end among each prefix of them: a
    result [lo, hi) lies in some run iff the prefix of runs starting at or before lo
    reaches hi (a linear check instead of comparing every result with every run)."""
    starts, reach, furthest = [], [], -1
    for a, b in inside:
        starts.append(a)
        furthest = max(furthest, b)
        reach.append(furthest)
    return starts, reach


def _chunk_start(text: str, position: int) -> int:
    """The start of the whitespace-delimited chunk at `position`, or of the one before it
    when `position` is in whitespace (0 if there is none)."""
    while position > 0 and text[position].isspace():
        position -= 1
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    return position


def _chunk_end(text: str, position: int) -> int:
    """The end of the chunk holding `position`: the next whitespace, or the text's end."""
    if position >= len(text):
        return len(text)
    match = _WHITESPACE.search(text, position)
    return match.start() if match else len(text)


def _shift(result: RecognizerResult, delta: int) -> RecognizerResult:
    return RecognizerResult(
        entity_type=result.entity_type,
        start=result.start + delta,
        end=result.end + delta,
        score=result.score,
        analysis_explanation=result.analysis_explanation,
        recognition_metadata=dict(result.recognition_metadata or {}),
    )


def _tag(result: RecognizerResult, recognizer: Any) -> RecognizerResult:
    metadata = result.recognition_metadata
    if metadata is None:
        metadata = result.recognition_metadata = {}
    metadata.setdefault(_ID, recognizer.id)
    metadata.setdefault(_NAME, recognizer.name)
    return result
