"""`kind: pii` rules (placeholder: fields are added with the filter)."""

from __future__ import annotations

from typing import Literal

from sentinel.rules.base import RulesFile


class PiiRules(RulesFile):
    kind: Literal["pii"]
    enabled: bool = True
