"""Presidio recognizers as sentinel uses them: offline, plus two of its own.

- `OfflineEmailRecognizer`: Presidio's email pattern; the domain check uses the public-suffix
  snapshot bundled with tldextract instead of fetching the list on first use.
- `Mastercard2SeriesRecognizer`: Presidio's card pattern misses Mastercard's 2221-2720 range.
- `Re2Recognizer`: a pattern recognizer written in rules, matched with RE2 (linear time).
"""

from __future__ import annotations

from typing import Any

import tldextract
from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer

from sentinel.filters.pii.checksums import luhn_valid
from sentinel.filters.pii.config import CustomRecognizer, compile_pattern

# No cache directory (read-only root filesystem), no URLs: the bundled snapshot only.
_SUFFIXES = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


MASTERCARD_2_SERIES = (
    r"\b2(?:22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)[- ]?"
    r"[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{4}\b"
)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer with an offline public-suffix check."""

    def validate_result(self, pattern_text: str) -> bool:
        return bool(_SUFFIXES(pattern_text).fqdn)


class Mastercard2SeriesRecognizer(PatternRecognizer):
    """Mastercard numbers whose first four digits are 2221-2720, Luhn-validated."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            # Like Presidio's card pattern: 0.3 until the Luhn check sets 1.0 (or drops it).
            patterns=[Pattern("Mastercard 2-series", MASTERCARD_2_SERIES, 0.3)],
            context=list(CreditCardRecognizer.CONTEXT),
            name="Mastercard2SeriesRecognizer",
        )

    def validate_result(self, pattern_text: str) -> bool:
        return luhn_valid(pattern_text.replace("-", "").replace(" ", ""))


class Re2Recognizer(LocalRecognizer):
    """A recognizer from rules: each pattern's RE2 matches score `pattern.score`."""

    def __init__(self, spec: CustomRecognizer) -> None:
        self.spec = spec
        self.programs: list[Any] = [compile_pattern(p.regex) for p in spec.patterns]
        super().__init__(
            supported_entities=[spec.entity], name=spec.name, context=list(spec.context)
        )

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        for pattern, program in zip(self.spec.patterns, self.programs, strict=True):
            for match in program.finditer(text):
                start, end = match.span()
                if start == end:
                    continue
                explanation = AnalysisExplanation(
                    recognizer=self.spec.name,
                    original_score=pattern.score,
                    pattern_name=pattern.name,
                    pattern=pattern.regex,
                )
                results.append(
                    RecognizerResult(
                        entity_type=self.spec.entity,
                        start=start,
                        end=end,
                        score=pattern.score,
                        analysis_explanation=explanation,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.spec.name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return [r for r in EntityRecognizer.remove_duplicates(results) if r.score > 0]
