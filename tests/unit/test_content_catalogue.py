"""The built-in catalogue is data: one validated YAML file per category, with a schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentinel.filters.content import catalogue
from sentinel.filters.content.catalogue import CatalogueFile, CatalogueRule

DATA = Path(catalogue.__file__).parents[3] / "data" / "content"


def test_every_category_file_loads_with_its_policy() -> None:
    """Each category has a policy; rule-based categories have rules, detectors none."""
    assert set(catalogue.POLICIES) >= {"prompt_injection", "jailbreak", "secrets", "hate"}
    assert set(catalogue.RULES) == set(catalogue.POLICIES) - catalogue.DETECTORS
    assert all(rules for rules in catalogue.RULES.values())


def test_the_committed_schema_is_the_model_schema() -> None:
    """catalogue.schema.json is regenerated from CatalogueFile (golden)."""
    committed = json.loads((DATA / "catalogue.schema.json").read_text())
    assert committed == catalogue.schema()


def test_a_rule_needs_exactly_one_source() -> None:
    """A rule with both terms and a pattern, or neither, is refused with its id."""
    with pytest.raises(ValueError, match="rule `x`: give exactly one of terms, readable, raw"):
        CatalogueRule(id="x", terms=["a"], readable="b")
    with pytest.raises(ValueError, match="rule `y`"):
        CatalogueRule(id="y")


def test_readable_patterns_become_bounded_re2() -> None:
    """The DSL adds word boundaries and whitespace classes when a rule is built."""
    rule = CatalogueRule(id="t.x", readable="ignore (all|any) rules").build()
    assert rule["pattern"] == r"(?:\bignore\s+(?:all|any)\s+rules\b)"
    file = CatalogueFile(version=1, category="demo", policy={"action": "flag"}, rules=[])
    assert file.rules == []
