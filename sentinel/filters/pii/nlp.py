"""An offline NLP engine for Presidio: spaCy's blank English tokenizer, no model, no NER.

Presidio needs tokens and lemmas only to raise scores when context words ("phone", "card")
sit near a match. A blank pipeline has no lemmatizer, so lemmas are lower-cased tokens; that
works well with Presidio's substring matching of context words ("number" in "numbers").

Whether a token is a keyword (a context-word candidate) depends on that token alone: not a
stop word, not punctuation, not whitespace. (Presidio's own engine also splits tokens on ":"
and then asks whether a lemma equals any piece anywhere in the text, which makes one token's
context depend on distant text; we leave that out, so context is local and windowable.)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.lang.en.stop_words import STOP_WORDS

LANGUAGE = "en"
# spaCy's vocabulary and tokenizer cache grow with every new string; rebuilding the blank
# pipeline (about 0.1 s) after this many characters bounds memory in a long-running process.
RESET_AFTER_CHARS = 200_000_000
_NEVER_KEYWORDS = frozenset({"-pron-", "be"})


def is_keyword(lemma: str) -> bool:
    """A lower-cased lemma that may serve as a context word."""
    if lemma in STOP_WORDS or lemma in _NEVER_KEYWORDS or not lemma or lemma.isspace():
        return False
    return not all(unicodedata.category(c).startswith("P") for c in lemma)


class _Artifacts(NlpArtifacts):
    @staticmethod
    def set_keywords(nlp_engine: Any, lemmas: list[str], language: str) -> list[str]:
        return [lemma for lemma in lemmas if is_keyword(lemma)]


class BlankEnglishNlpEngine(NlpEngine):
    """Tokens from `spacy.blank("en")`; lemmas are the lower-cased tokens; no entities."""

    def __init__(self) -> None:
        self._nlp = spacy.blank(LANGUAGE)
        self._chars = 0

    def load(self) -> None:
        return None

    def is_loaded(self) -> bool:
        return True

    def tokenize(self, text: str) -> tuple[list[str], list[int]]:
        """Token texts and their character offsets."""
        self._chars += len(text)
        if self._chars > RESET_AFTER_CHARS:
            self._nlp, self._chars = spacy.blank(LANGUAGE), len(text)
        spans = self._nlp.make_doc(text).to_array(["IDX", "LENGTH"]).tolist()
        return [text[i : i + n] for i, n in spans], [i for i, _ in spans]

    def artifacts(self, tokens: list[str], offsets: list[int]) -> NlpArtifacts:
        return _Artifacts(
            entities=[],
            tokens=tokens,  # type: ignore[arg-type]  # Presidio only iterates them (len, index)
            tokens_indices=offsets,
            lemmas=[t.lower() for t in tokens],
            nlp_engine=self,
            language=LANGUAGE,
        )

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return self.artifacts(*self.tokenize(text))

    def process_batch(
        self,
        texts: Iterable[str],
        language: str,
        batch_size: int = 1,
        n_process: int = 1,
        **kwargs: Any,
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return word.lower() in STOP_WORDS

    def is_punct(self, word: str, language: str) -> bool:
        return bool(word) and all(unicodedata.category(c).startswith("P") for c in word)

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return [LANGUAGE]
