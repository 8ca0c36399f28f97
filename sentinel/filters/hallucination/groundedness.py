"""A lexical groundedness score: how much of each output sentence the support texts hold.

Per output sentence (code and citations left out):

- **content words**: the share of its content words (stop words dropped, crude stems as
  in `claims.stem`) that no support text contains, each weighted: names and numbers
  (capitalised or numeric tokens) weigh `ENTITY_WEIGHT`, other words 1;
- **word pairs**: the share of its adjacent content-word pairs that never stand next to
  each other (within `PAIR_WINDOW` content words) in a support text: right words in a new
  arrangement ("First for Women was started first");
- **negation**: a negation the support texts do not have near the same words;
- **quoted spans**: a quotation that does not appear verbatim in the support texts;
- **claims already checked**: an unsupported number, date, URL, name or citation in the
  sentence (the filter's own heuristics) sets a floor.

These combine into a sentence risk in [0, 1] (1 = nothing supports it); the response's
risk is a blend of its worst sentence and the mean, so one fabricated sentence counts and a
long faithful answer is not penalised for its length. The score is lexical: it catches
content the support does not hold, not reasoning errors over content it does.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from sentinel.filters.hallucination.claims import stem
from sentinel.filters.spans import Covers

# Weights and blend (tuned on the development split of HaluEval QA only; see
# docs/evaluation-hallucination.md). Unit: share of the sentence's weighted content.
ENTITY_WEIGHT = 2.0
PAIR_SHARE = 0.35  # how much the unsupported-pair share adds to the word share
NEGATION_PENALTY = 0.25
QUOTE_FLOOR = 0.8
CLAIM_FLOOR = 0.7  # a sentence with an unsupported number, name, URL or citation
WORST_SHARE = 0.7  # response risk = WORST_SHARE * worst + (1 - WORST_SHARE) * mean
PAIR_WINDOW = 3  # content words apart that still count as "next to each other"

_SENTENCE = re.compile(r"[^.!?。！？\n]+(?:[.!?。！？]+|\n|$)")
_TOKEN = re.compile(r"[^\W_]+")
_QUOTE = re.compile(r"[\"“”]([^\"“”\n]{3,200})[\"“”]")
NEGATIONS = frozenset(("not", "no", "never", "none", "nobody", "nothing", "neither", "nor"))
_NEGATED_SUFFIX = ("n't", "n’t")
STOP_WORDS = frozenset(
    (
        *("a", "an", "the", "and", "or", "but", "if", "then", "than", "so", "as", "of", "at"),
        *("by", "for", "with", "about", "against", "between", "into", "through", "during"),
        *("before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on"),
        *("off", "over", "under", "again", "further", "once", "here", "there", "when"),
        *("where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other"),
        *("some", "such", "only", "own", "same", "too", "very", "can", "will", "just", "should"),
        *("now", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had"),
        *("having", "do", "does", "did", "doing", "would", "could", "might", "must", "shall"),
        *("may", "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her"),
        *("it", "its", "they", "them", "their", "what", "which", "who", "whom", "this", "that"),
        *("these", "those", "am", "also", "yes", "well", "s", "t", "also", "one", "known"),
        *("called", "named", "based", "located", "answer", "question", "however", "while"),
        *("according", "therefore", "thus", "because", "since", "although", "though"),
    )
)


@dataclass(frozen=True, slots=True)
class SentenceRisk:
    start: int
    end: int
    risk: float  # 0 = fully supported, 1 = nothing supports it


@dataclass(frozen=True, slots=True)
class Token:
    stem: str
    weight: float
    start: int
    end: int


def is_cjk(char: str) -> bool:
    """Han, kana or hangul: scripts written without spaces between words."""
    code = ord(char)
    return (
        0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x3040 <= code <= 0x30FF
        or 0xAC00 <= code <= 0xD7AF
    )


def split_cjk(word: str) -> list[tuple[str, int]]:
    """A word's pieces with their offsets: runs of CJK characters become overlapping
    character bigrams (a word segmenter's cheap stand-in), other runs stay whole."""
    if word.isascii():
        return [(word, 0)]
    pieces: list[tuple[str, int]] = []
    i = 0
    while i < len(word):
        j = i
        cjk = is_cjk(word[i])
        while j < len(word) and is_cjk(word[j]) == cjk:
            j += 1
        if not cjk:
            pieces.append((word[i:j], i))
        elif j - i == 1:
            pieces.append((word[i], i))
        else:
            pieces += [(word[k : k + 2], k) for k in range(i, j - 1)]
        i = j
    return pieces


def content_tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Content words of text[start:end] with their stems and weights (CJK as bigrams)."""
    out = []
    for m in _TOKEN.finditer(text, start, len(text) if end is None else end):
        if not m.group().isascii():
            for piece, offset in split_cjk(m.group()):
                at = m.start() + offset
                out += (
                    _tokens_of(piece, at)
                    if not is_cjk(piece[0])
                    else [Token(piece, 1.0, at, at + len(piece))]
                )
            continue
        out += _tokens_of(m.group(), m.start())
    return out


def _tokens_of(word: str, at: int) -> list[Token]:
    folded = word.casefold()
    if folded in STOP_WORDS or folded in NEGATIONS:
        return []
    heavy = word[0].isupper() or word[0].isdigit()
    return [Token(stem(folded), ENTITY_WEIGHT if heavy else 1.0, at, at + len(word))]


def sentence_spans(text: str, skip: Sequence[tuple[int, int]] = ()) -> Iterator[tuple[int, int]]:
    """Sentences with at least one content word, outside the `skip` spans (code), one at a
    time (the caller minds the time budget between them)."""
    code = Covers(skip) if skip else None
    for m in _SENTENCE.finditer(text):
        raw = m.group()
        start = m.start() + len(raw) - len(raw.lstrip())
        end = m.start() + len(raw.rstrip())
        if end <= start or (code is not None and code.contains(start, end)):
            continue
        if any(c.isalnum() for c in raw):
            yield start, end


_NOT_CONTENT = STOP_WORDS | NEGATIONS


def content_stems(text: str) -> list[str]:
    """The stems of `content_tokens(text)`, in order, without positions and weights (a
    support text's pairs need only these; a test compares the two on fuzzed texts)."""
    if text.isascii():  # case folding keeps each ASCII word where it is: fold once
        return [stem(w) for w in _TOKEN.findall(text.lower()) if w not in _NOT_CONTENT]
    out: list[str] = []
    for word in _TOKEN.findall(text):
        for piece, _ in split_cjk(word):
            if is_cjk(piece[0]):
                out.append(piece)
                continue
            folded = piece.casefold()
            if folded not in _NOT_CONTENT:
                out.append(stem(folded))
    return out


def text_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Ordered pairs of content stems at most `PAIR_WINDOW` content words apart."""
    stems = content_stems(text)
    pairs: set[tuple[str, str]] = set()
    for distance in range(1, PAIR_WINDOW + 1):  # stems[i] with stems[i + distance]
        pairs.update(zip(stems, stems[distance:], strict=False))
    return frozenset(pairs)


def has_negation(text: str) -> bool:
    lowered = text.casefold()
    if any(s in lowered for s in _NEGATED_SUFFIX):
        return True
    return any(w.casefold() in NEGATIONS for w in _TOKEN.findall(text))


class Facts(Protocol):
    """One support text's facets (`support.TextFacts`)."""

    text: str

    @property
    def words(self) -> frozenset[str]: ...

    @property
    def pairs(self) -> frozenset[tuple[str, str]]: ...

    @property
    def negated(self) -> bool: ...


class SupportView:
    """What the scorer asks of the support texts (words, word pairs, negations, quotes),
    each facet read from the texts on first use; `expired` set when the budget ran out."""

    def __init__(
        self,
        facts: Sequence[Facts],
        max_pair_chars: int,
        expired: Callable[[], bool] = lambda: False,
    ) -> None:
        self._facts = facts
        self._max_pair_chars = max_pair_chars
        self._expired = expired
        self.expired = False
        self._word_cache: dict[str, bool] = {}
        self._pair_cache: dict[tuple[str, str], bool] = {}
        self._negated: bool | None = None
        self._folded: list[str] | None = None

    @classmethod
    def lazy(
        cls, facts: Sequence[Facts], max_pair_chars: int, expired: Callable[[], bool]
    ) -> SupportView:
        return cls(facts, max_pair_chars, expired)

    @classmethod
    def of_texts(cls, texts: Sequence[str], max_pair_chars: int = 1 << 62) -> SupportView:
        """A view of plain texts (for tests and tools), facets computed here."""
        from sentinel.filters.hallucination.support import TextFacts  # cycle

        return cls([TextFacts(t) for t in texts], max_pair_chars)

    def _each(self) -> Iterable[Facts]:
        for facts in self._facts:
            if self._expired():
                self.expired = True
                return
            yield facts

    def holds_word(self, word: str) -> bool:
        """Some support text has this stem (looked up per text: no union of big sets)."""
        found = self._word_cache.get(word)
        if found is None:
            found = any(word in f.words for f in self._each())
            self._word_cache[word] = found
        return found

    def holds_pair(self, first: str, second: str) -> bool:
        """Some support text has `second` within `PAIR_WINDOW` content words after `first`.
        Pairs are computed only for texts holding both words (a 4 MB context is mostly
        never tokenized for pairs)."""
        key = (first, second)
        found = self._pair_cache.get(key)
        if found is None:
            found = any(
                first in f.words
                and second in f.words
                and len(f.text) <= self._max_pair_chars
                and key in f.pairs
                for f in self._each()
            )
            self._pair_cache[key] = found
        return found

    @property
    def negated(self) -> bool:
        if self._negated is None:
            self._negated = any(f.negated for f in self._each())
        return self._negated

    def quoted(self, quote: str) -> bool:
        if self._folded is None:
            self._folded = [" ".join(f.text.casefold().split()) for f in self._each()]
        q = " ".join(quote.casefold().split())
        return any(q in t for t in self._folded)


def sentence_risk(
    output: str, start: int, end: int, support: SupportView, claim_starts: Sequence[int]
) -> float:
    """Risk of one sentence: weighted unsupported words, pairs, negation, quotes, claims
    (`claim_starts`: where unsupported claims start, sorted)."""
    tokens = content_tokens(output, start, end)
    if not tokens:
        return 0.0
    total = sum(t.weight for t in tokens)
    missing = sum(t.weight for t in tokens if not support.holds_word(t.stem))
    risk = missing / total
    pairs = [(a.stem, b.stem) for a, b in itertools.pairwise(tokens)]
    if pairs:
        unpaired = sum(1 for a, b in pairs if not support.holds_pair(a, b)) / len(pairs)
        risk += PAIR_SHARE * unpaired * (1 - risk)
    if has_negation(output[start:end]) and not support.negated:
        risk += NEGATION_PENALTY
    for m in _QUOTE.finditer(output, start, end):
        if not support.quoted(m.group(1)):
            risk = max(risk, QUOTE_FLOOR)
    i = bisect_left(claim_starts, start)
    if i < len(claim_starts) and claim_starts[i] < end:  # an unsupported claim inside
        risk = max(risk, CLAIM_FLOOR)
    return min(1.0, risk)


def response_risk(risks: Sequence[float]) -> float:
    """The worst sentence blended with the mean (0 for an output with no sentence)."""
    if not risks:
        return 0.0
    return WORST_SHARE * max(risks) + (1 - WORST_SHARE) * (sum(risks) / len(risks))
