"""`kind: hallucination` rules (placeholder: fields are added with the filter)."""

from __future__ import annotations

from typing import Literal

from sentinel.rules.base import RulesFile


class HallucinationRules(RulesFile):
    kind: Literal["hallucination"]
    enabled: bool = True
