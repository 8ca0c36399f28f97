"""Build Presidio offline from `kind: pii` rules: recognizers, thresholds, gates, NER.

Nothing here touches the network: the NLP engine is spaCy's blank English tokenizer, email
domains are checked against tldextract's bundled snapshot, and a NER model is used only if
it is already installed (Presidio would otherwise download one).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import spacy
import structlog
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsSsnRecognizer,
)

from sentinel.filters.pii.config import PATTERN_FLAGS, PiiRules
from sentinel.filters.pii.contextual import (
    CONTEXTUAL_TRIGGERS,
    ContextPhoneRecognizer,
    DriverLicenceRecognizer,
    LuhnCardRecognizer,
)
from sentinel.filters.pii.gates import SPECS, GateSpec, phone_spec
from sentinel.filters.pii.nlp import LANGUAGE, BlankEnglishNlpEngine
from sentinel.filters.pii.phone import PhoneBounds
from sentinel.filters.pii.recognizers import (
    Mastercard2SeriesRecognizer,
    OfflineEmailRecognizer,
    Re2Recognizer,
)

WARM_UP = (
    "email a.b@example.com, card 4111 1111 1111 1111, phone +1 212 555 0100, ssn 078-05-1120, "
    "iban GB82 WEST 1234 5698 7654 32, ip 10.0.0.1 and ::1"
)
PRESIDIO_REGEX_FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE  # same values in `regex`
# Presidio logs matched text in some error paths (IBAN validation); sentinel never logs
# user content, so only its critical messages get through.
logging.getLogger("presidio-analyzer").setLevel(logging.CRITICAL)


@dataclass
class PiiEngine:
    """Plain Presidio (`analyzer`) plus what the fast path needs to reproduce it."""

    analyzer: AnalyzerEngine
    nlp: BlankEnglishNlpEngine
    recognizers: list[EntityRecognizer]
    specs: dict[str, GateSpec]  # recognizer id -> its gate
    ner: AnalyzerEngine | None = None  # only when the NER model is installed
    ner_entities: tuple[str, ...] = ()

    def presidio(self, text: str, entities: list[str]) -> list[Any]:
        """What Presidio alone finds: the reference the fast path must equal."""
        wanted = [e for e in entities if e in self.pattern_entities()]
        return self.analyzer.analyze(text, LANGUAGE, entities=wanted) if wanted else []

    def pattern_entities(self) -> set[str]:
        return {e for r in self.recognizers for e in r.supported_entities}


def pattern_recognizers(rules: PiiRules) -> list[EntityRecognizer]:
    """One or more recognizers per enabled entity, then the custom ones, in rules order."""
    recognizers: list[EntityRecognizer] = []
    contextual = rules.recognizers == "context"
    for entity in rules.entities:
        if entity == "EMAIL_ADDRESS":
            recognizers.append(OfflineEmailRecognizer())
        elif entity == "PHONE_NUMBER" and contextual:
            phone = ContextPhoneRecognizer(rules.phone_regions, rules.threshold(entity))
            recognizers.append(phone)
        elif entity == "PHONE_NUMBER":
            recognizers.append(PhoneRecognizer(supported_regions=tuple(rules.phone_regions)))
        elif entity == "CREDIT_CARD" and contextual:
            recognizers.append(LuhnCardRecognizer())
        elif entity == "CREDIT_CARD":
            recognizers += [CreditCardRecognizer(), Mastercard2SeriesRecognizer()]
        elif entity == "US_DRIVER_LICENSE" and contextual:
            recognizers.append(DriverLicenceRecognizer())
        elif entity == "US_SSN":
            recognizers.append(UsSsnRecognizer())
        elif entity == "IBAN_CODE":
            # Presidio's registry gives every pattern recognizer its global flags, which
            # include IGNORECASE; the class's own default leaves it out.
            recognizers.append(IbanRecognizer(regex_flags=PRESIDIO_REGEX_FLAGS))
        elif entity == "IP_ADDRESS":
            recognizers.append(IpRecognizer())
    recognizers += [Re2Recognizer(spec) for spec in rules.custom_recognizers]
    for recognizer in recognizers:
        recognizer.score_thresholds = {e: rules.threshold(e) for e in recognizer.supported_entities}
    return recognizers


def gate_spec(recognizer: EntityRecognizer, rules: PiiRules) -> GateSpec:
    if isinstance(recognizer, Re2Recognizer):
        return GateSpec(triggers=tuple(PATTERN_FLAGS + p.regex for p in recognizer.spec.patterns))
    if isinstance(recognizer, PhoneRecognizer):
        return phone_spec(PhoneBounds(rules.phone_regions).min_units())
    if isinstance(
        recognizer, ContextPhoneRecognizer | LuhnCardRecognizer | DriverLicenceRecognizer
    ):
        return GateSpec(triggers=(CONTEXTUAL_TRIGGERS[type(recognizer).__name__],))
    return SPECS[type(recognizer).__name__]


def build_engine(rules: PiiRules) -> PiiEngine:
    nlp = BlankEnglishNlpEngine()
    recognizers = pattern_recognizers(rules)
    analyzer = AnalyzerEngine(
        registry=RecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE]),
        nlp_engine=nlp,
        supported_languages=[LANGUAGE],
        default_score_threshold=rules.default_threshold,
    )
    specs = {r.id: gate_spec(r, rules) for r in recognizers}
    ner = build_ner(rules)
    # Compile every regex and load the suffix list and phone metadata now, not on the
    # first exchange (the first email pattern alone takes a fifth of a second).
    analyzer.analyze(WARM_UP, LANGUAGE)
    return PiiEngine(analyzer, nlp, recognizers, specs, ner, tuple(rules.ner_entities))


def build_ner(rules: PiiRules) -> AnalyzerEngine | None:
    """Presidio with the NER model, if one is named and installed; never downloads."""
    log = structlog.get_logger("sentinel.pii")  # at start-up only: not cached at import
    if not rules.ner_model:
        log.info("pii_ner_off", reason="no_ner_model_in_rules")
        return None
    if not spacy.util.is_package(rules.ner_model):
        log.warning("pii_ner_off", reason="model_not_installed", model=rules.ner_model)
        return None
    nlp = SpacyNlpEngine(
        models=[{"lang_code": LANGUAGE, "model_name": rules.ner_model}],
        ner_model_configuration=NerModelConfiguration(),
    )
    recognizer = SpacyRecognizer(supported_entities=list(rules.ner_entities))
    recognizer.score_thresholds = {e: rules.threshold(e) for e in rules.ner_entities}
    log.info("pii_ner_on", model=rules.ner_model, entities=",".join(rules.ner_entities))
    return AnalyzerEngine(
        registry=RecognizerRegistry(recognizers=[recognizer], supported_languages=[LANGUAGE]),
        nlp_engine=nlp,
        supported_languages=[LANGUAGE],
        default_score_threshold=rules.default_threshold,
    )
