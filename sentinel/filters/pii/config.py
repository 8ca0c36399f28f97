"""`kind: pii` rules: which entities to find, where, above which score, and what to do.

Every field has a default, so `{version, kind}` alone is a valid file. User-written patterns
are RE2 regexes, compiled here at load time so a bad one stops the start with the file, the
field path and the recognizer's name in the message.
"""

from __future__ import annotations

from typing import Literal

import phonenumbers
import re2  # type: ignore[import-untyped]  # google-re2 ships no type information
from pydantic import Field, field_validator, model_validator

from sentinel.rules.base import RulesFile, Strict
from sentinel.values import Severity

# Pattern entities backed by Presidio's own recognizers (plus sentinel's Mastercard 2-series).
PatternEntity = Literal[
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_DRIVER_LICENSE",
]
PATTERN_ENTITIES: tuple[PatternEntity, ...] = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_DRIVER_LICENSE",
)
# Entities only the context-reading recognizers find (Presidio's own US licence pattern
# matches almost any word with a digit).
CONTEXT_ONLY_ENTITIES = frozenset({"US_DRIVER_LICENSE"})
# Entities a spaCy NER model gives Presidio (used only when `ner_model` is installed).
NerEntity = Literal["PERSON", "LOCATION", "ORGANIZATION", "NRP", "DATE_TIME"]
FieldAction = Literal["flag", "redact", "escalate", "block"]
Normalize = Literal["text", "digits", "alnum"]

# RE2 memory per compiled user pattern; a pattern that needs more is refused at load time.
PATTERN_MAX_MEM_BYTES = 8 << 20
# Like Presidio's default regex flags: case-insensitive, `.` matches newlines, ^/$ per line.
PATTERN_FLAGS = "(?ims)"


def compile_pattern(regex: str) -> object:
    """The RE2 program for a user pattern, with Presidio's default flags."""
    options = re2.Options()
    options.max_mem = PATTERN_MAX_MEM_BYTES
    options.log_errors = False
    return re2.compile(PATTERN_FLAGS + regex, options)


def _re2_message(exc: Exception) -> str:
    """RE2's message as text, about the pattern as written (without the added flags)."""
    message = exc.args[0] if exc.args else str(exc)
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message).replace(PATTERN_FLAGS, "", 1)


class CustomPattern(Strict):
    name: str = Field(min_length=1, max_length=100)
    regex: str = Field(min_length=1, description="RE2 syntax (linear time; no lookaround).")
    score: float = Field(ge=0, le=1, description="Score before context words raise it.")


class CustomRecognizer(Strict):
    """A pattern recognizer written in rules: RE2 patterns plus context words."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")
    entity: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")
    patterns: list[CustomPattern] = Field(min_length=1)
    context: list[str] = Field(
        default_factory=list, description="Words near a match that raise its score by 0.35."
    )
    severity: Severity = "medium"
    reject_code_literals: bool = Field(
        default=False,
        description='Drop matches written as literals in code or data (`"ZIP": "12345"`).',
    )
    normalize: Normalize = Field(
        default="text",
        description="How values are compared for leak detection: text (case-folded), "
        "digits (digits only) or alnum (letters and digits, upper-cased).",
    )

    @model_validator(mode="after")
    def _patterns_compile(self) -> CustomRecognizer:
        for index, pattern in enumerate(self.patterns):
            try:
                compile_pattern(pattern.regex)
            except re2.error as exc:
                raise ValueError(
                    f"custom recognizer `{self.name}`: patterns[{index}] (`{pattern.name}`) "
                    f"is not a valid RE2 regex: {_re2_message(exc)}"
                ) from None
        return self


class FieldRule(Strict):
    """What to look for in one kind of field and what to do when it is found."""

    enabled: bool = True
    entities: list[str] | None = Field(
        default=None, description="Entities to detect here; null means every enabled entity."
    )
    action: FieldAction = "flag"


def _rule(action: FieldAction) -> FieldRule:
    return FieldRule(action=action)


class FieldRules(Strict):
    """One rule per field kind (`user` is the prompt)."""

    user: FieldRule = Field(default_factory=lambda: _rule("flag"))
    system: FieldRule = Field(default_factory=lambda: _rule("flag"))
    assistant: FieldRule = Field(default_factory=lambda: _rule("flag"))
    tool: FieldRule = Field(default_factory=lambda: _rule("flag"))
    context: FieldRule = Field(default_factory=lambda: _rule("flag"))
    output: FieldRule = Field(default_factory=lambda: _rule("redact"))
    tool_call: FieldRule = Field(default_factory=lambda: _rule("redact"))


class LeakRule(Strict):
    """PII in the output or tool-call arguments that the user did not write themselves."""

    enabled: bool = True
    action: FieldAction = "block"
    severity: Severity = "high"


class PiiRules(RulesFile):
    kind: Literal["pii"]
    enabled: bool = True
    entities: list[PatternEntity] = Field(
        default_factory=lambda: list(PATTERN_ENTITIES),
        description="Pattern entities to detect.",
    )
    recognizers: Literal["context", "presidio"] = Field(
        default="context",
        description="context: sentinel's context-reading phone, card and driver's licence "
        "recognizers and the non-PII shape rules (docs/pii.md); presidio: Presidio's own "
        "phone and card recognizers as they are (no driver's licences).",
    )
    default_threshold: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="Minimum score of a finding. Presidio's 0 admits junk (weak SSN patterns).",
    )
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Per-entity minimum score, overriding the default."
    )
    phone_regions: list[str] = Field(
        default_factory=lambda: ["US", "GB"],
        min_length=1,
        description="Regions whose national formats are recognised (each costs a pass).",
    )
    custom_recognizers: list[CustomRecognizer] = Field(default_factory=list)
    ner_model: str | None = Field(
        default=None,
        description="spaCy model for PERSON/LOCATION/...; used only if installed, never fetched.",
    )
    ner_entities: list[NerEntity] = Field(
        default_factory=lambda: list[NerEntity](["PERSON", "LOCATION"])
    )
    fields: FieldRules = Field(default_factory=FieldRules)
    leak: LeakRule = Field(default_factory=LeakRule)
    allow: list[str] = Field(
        default_factory=list,
        description="Values never reported (e.g. the support desk's address), compared "
        "after normalisation.",
    )
    context_cache_entries: int = Field(
        default=1024, ge=0, le=1_000_000, description="Context chunks whose findings are kept."
    )

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, regions: list[str]) -> list[str]:
        unknown = sorted(set(regions) - set(phonenumbers.SUPPORTED_REGIONS))
        if unknown:
            raise ValueError(f"unknown phone regions {unknown} (use ISO codes such as US, GB)")
        return regions

    @field_validator("thresholds")
    @classmethod
    def _scores(cls, thresholds: dict[str, float]) -> dict[str, float]:
        bad = sorted(name for name, value in thresholds.items() if not 0 <= value <= 1)
        if bad:
            raise ValueError(f"thresholds must be between 0 and 1: {bad}")
        return thresholds

    @model_validator(mode="after")
    def _entities_are_known(self) -> PiiRules:
        names = [c.name for c in self.custom_recognizers]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"custom recognizer names must be unique: {twice}")
        known = self.known_entities()
        unknown = sorted(set(self.thresholds) - known)
        if unknown:
            raise ValueError(f"thresholds name unknown entities {unknown}")
        for kind, rule in self.fields:
            missing = sorted(set(rule.entities or ()) - known)
            if missing:
                raise ValueError(f"fields.{kind}.entities names unknown entities {missing}")
        return self

    def known_entities(self) -> set[str]:
        """Every entity these rules can report (NER ones only if a model is named)."""
        known: set[str] = set(self.entities)
        if self.recognizers == "presidio":
            known -= CONTEXT_ONLY_ENTITIES
        known.update(c.entity for c in self.custom_recognizers)
        if self.ner_model:
            known.update(self.ner_entities)
        return known

    def threshold(self, entity: str) -> float:
        return self.thresholds.get(entity, self.default_threshold)
