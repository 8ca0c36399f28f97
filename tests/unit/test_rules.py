"""Rules load strictly: a bad file stops the start with the file and the field path."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.errors import RulesError
from sentinel.rules.loader import load_rules, rules_json_schema

REPO_RULES = Path(__file__).parents[2] / "rules"

PRICING_OK = """\
version: sentinel/v1
kind: pricing
models:
  - {model: a, input: 1, output: 2}
"""

BAD = [
    (
        "a negative price names the model index and field",
        "version: sentinel/v1\nkind: pricing\nmodels:\n  - {model: a, input: 1, output: 2}\n"
        "  - {model: b, input: -1, output: 2}\n",
        "models[1].input: Input should be greater than or equal to 0",
    ),
    (
        "an unknown key is an error, not ignored",
        "version: sentinel/v1\nkind: pricing\nmodels:\n  - {model: a, input: 1, output: 2, "
        "cached: 1}\n",
        "models[0].cached: Extra inputs are not permitted",
    ),
    ("a missing version is refused", "kind: pricing\n", "version: expected `sentinel/v1`"),
    (
        "an unknown kind lists the known kinds",
        "version: sentinel/v1\nkind: prices\n",
        "unknown kind `prices` (known: alerting, content, guardrails, hallucination, labels,",
    ),
    ("invalid YAML is reported as such", "version: [sentinel/v1\n", "not valid YAML"),
    ("a list instead of a mapping is refused", "- a\n- b\n", "expected a mapping"),
    (
        "a model listed twice is refused",
        "version: sentinel/v1\nkind: pricing\nmodels:\n  - {model: a, input: 1, output: 2}\n"
        "  - {model: a, input: 1, output: 2}\n",
        "`a` is listed twice",
    ),
    (
        "a wrong type names the field",
        "version: sentinel/v1\nkind: labels\nmax_values_per_label: many\n",
        "max_values_per_label: Input should be a valid integer",
    ),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_rules_file_names_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    """The error cites the file path and the offending field."""
    (tmp_path / "pricing.yaml").write_text(text)
    with pytest.raises(RulesError) as error:
        load_rules(tmp_path)
    assert str(tmp_path / "pricing.yaml") in str(error.value)
    assert message in str(error.value)


def test_two_files_of_one_kind_are_refused(tmp_path: Path) -> None:
    """A kind defined twice is ambiguous, so the start stops."""
    (tmp_path / "a.yaml").write_text(PRICING_OK)
    (tmp_path / "b.yaml").write_text(PRICING_OK)
    with pytest.raises(RulesError, match=r"kind `pricing` is already defined in .*a\.yaml"):
        load_rules(tmp_path)


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    """No silent fallback to defaults when the rules directory is wrong."""
    with pytest.raises(RulesError, match="is not a directory"):
        load_rules(tmp_path / "nope")


def test_the_shipped_rules_are_valid() -> None:
    """Every file in rules/ loads."""
    rules = load_rules(REPO_RULES)
    assert {"pricing", "labels"} <= set(rules.sources)
    assert rules.pricing.find("gpt-4.1-mini") is not None


def test_the_rules_schema_accepts_the_shipped_files() -> None:
    """The generated JSON Schema (for editors) validates our own rules files."""
    import jsonschema
    import yaml

    schema = rules_json_schema()
    for path in REPO_RULES.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "sentinel/v1", "kind": "pricing", "x": 1}, schema)
