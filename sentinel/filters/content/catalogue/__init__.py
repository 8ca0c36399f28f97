"""The built-in catalogue: each category's default policy and rules, read from data files.

One YAML file per category in `sentinel/data/content/catalogue/` (package data), loaded once
at import and validated against `CatalogueFile` (its JSON Schema is
`sentinel/data/content/catalogue.schema.json`): `policy` gives the category's action,
severity and the kinds of text it reads; `rules` its term lists and patterns. A pattern is
written `readable` (see `_dsl`: a bare `(` opens a group, a space is any whitespace, `{wN}`
is up to N words; word boundaries are added) or `raw` RE2. The content rules file overrides
policies key by key and adds rules; docs/content.md describes the categories.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sentinel.filters.content.catalogue._dsl import Rule, pattern

CATALOGUE_VERSION = 1


class CatalogueRule(BaseModel):
    """One built-in rule: a term list, a readable pattern or a raw RE2 pattern."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    terms: list[str] | None = None
    readable: str | None = Field(default=None, description="Pattern in the catalogue's DSL.")
    raw: str | None = Field(default=None, description="RE2 pattern used as written.")
    view: Literal["normalized", "folded", "original"] = "normalized"
    weight: float = Field(default=1.0, ge=-1, le=1)
    min_entropy: float | None = Field(default=None, ge=0, le=8)
    distinct_by: str | None = Field(
        default=None, description="Named group whose same text makes hits one signal."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [x for x in (self.terms, self.readable, self.raw) if x is not None]
        if len(given) != 1:
            raise ValueError(f"rule `{self.id}`: give exactly one of terms, readable, raw")
        return self

    def build(self) -> Rule:
        if self.terms is not None:
            rule: Rule = {"id": self.id, "terms": list(self.terms)}
            if self.weight != 1.0:
                rule["weight"] = self.weight
            return rule
        source = self.readable if self.readable is not None else self.raw
        assert source is not None
        return pattern(
            self.id,
            source,
            weight=self.weight,
            view=self.view,
            raw=self.raw is not None,
            min_entropy=self.min_entropy,
            distinct_by=self.distinct_by,
        )


class CatalogueFile(BaseModel):
    """A category of the built-in catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    category: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    policy: dict[str, Any] = Field(description="Default policy: action, severity, fields, ...")
    rules: list[CatalogueRule] = Field(default_factory=list)


def _load() -> dict[str, CatalogueFile]:
    folder = resources.files("sentinel") / "data" / "content" / "catalogue"
    files: dict[str, CatalogueFile] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            parsed = CatalogueFile.model_validate(yaml.safe_load(entry.read_text("utf-8")))
        except Exception as exc:
            raise ValueError(f"could not load the built-in catalogue {entry.name}: {exc}") from exc
        if parsed.category != entry.name.removesuffix(".yaml"):
            raise ValueError(f"catalogue file {entry.name} holds category `{parsed.category}`")
        files[parsed.category] = parsed
    return files


_FILES = _load()
POLICIES: dict[str, dict[str, Any]] = {name: dict(f.policy) for name, f in _FILES.items()}
RULES: dict[str, list[Rule]] = {
    name: [rule.build() for rule in f.rules] for name, f in _FILES.items() if f.rules
}
# Categories found by built-in detectors (not by rules): unicode and links.
DETECTORS = {"invisible_unicode", "homoglyph", "exfil_link"}


def schema() -> dict[str, Any]:
    """JSON Schema of a catalogue file."""
    return CatalogueFile.model_json_schema()
