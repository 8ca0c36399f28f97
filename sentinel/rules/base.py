"""Shared base for every rules file: strict, frozen, versioned."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

RULES_VERSION = "sentinel/v1"


class Strict(BaseModel):
    """Unknown keys are errors and values never change after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesFile(Strict):
    """Every rules file starts with `version: sentinel/v1` and a `kind`."""

    version: Literal["sentinel/v1"]
