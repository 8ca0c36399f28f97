"""`kind: pii` rules: every field defaulted, strict, and bad patterns stop the start."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sentinel.errors import RulesError
from sentinel.filters.pii.config import PATTERN_ENTITIES, PiiRules
from sentinel.rules.loader import load_rules, load_rules_file

REPO_RULES = Path(__file__).parents[2] / "sentinel" / "rules" / "defaults"
HEADER = "version: sentinel/v1\nkind: pii\n"


def test_the_header_alone_is_a_complete_rules_file() -> None:
    """The loader builds defaults from {version, kind}: every field has one."""
    rules = PiiRules.model_validate({"version": "sentinel/v1", "kind": "pii"})
    assert rules.entities == list(PATTERN_ENTITIES)
    assert rules.default_threshold == 0.4
    assert rules.fields.output.action == "redact"
    assert rules.leak.action == "block"
    assert rules.ner_model is None


def test_the_shipped_rules_load() -> None:
    """rules/pii.yaml is valid and names a custom recognizer."""
    kind, rules = load_rules_file(REPO_RULES / "pii.yaml")
    assert kind == "pii"
    assert isinstance(rules, PiiRules)
    assert [c.entity for c in rules.custom_recognizers] == ["ZIP_CODE"]


BAD = [
    (
        "a bad regex names the recognizer and the pattern",
        "custom_recognizers:\n  - name: employee_id\n    entity: EMPLOYEE_ID\n    patterns:\n"
        "      - {name: ok, regex: 'E\\d{6}', score: 0.5}\n"
        "      - {name: broken, regex: '(E\\d{6}', score: 0.5}\n",
        "custom_recognizers[0]: Value error, custom recognizer `employee_id`: patterns[1] "
        "(`broken`) is not a valid RE2 regex: missing ): (E\\d{6}",
    ),
    (
        "a lookahead is refused because RE2 has none",
        "custom_recognizers:\n  - name: pin\n    entity: PIN\n    patterns:\n"
        "      - {name: p, regex: '\\d{4}(?=x)', score: 0.5}\n",
        "custom recognizer `pin`: patterns[0] (`p`) is not a valid RE2 regex",
    ),
    (
        "an unknown key is an error",
        "thresold: 0.5\n",
        "thresold: Extra inputs are not permitted",
    ),
    (
        "an unknown phone region is named",
        "phone_regions: [US, XX]\n",
        "phone_regions: Value error, unknown phone regions ['XX']",
    ),
    (
        "a field rule may only name known entities",
        "fields:\n  output: {entities: [PASSPORT], action: block}\n",
        "fields.output.entities names unknown entities ['PASSPORT']",
    ),
    (
        "a threshold above one is refused",
        "thresholds: {US_SSN: 1.5}\n",
        "thresholds must be between 0 and 1",
    ),
    (
        "an unknown action is refused",
        "leak: {action: shred}\n",
        "leak.action: Input should be 'flag', 'redact', 'escalate' or 'block'",
    ),
]


@pytest.mark.parametrize(("body", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_pii_file_names_file_and_field(tmp_path: Path, body: str, message: str) -> None:
    """The loader's error cites the file and the field path."""
    (tmp_path / "pii.yaml").write_text(HEADER + body)
    with pytest.raises(RulesError) as error:
        load_rules(tmp_path)
    assert str(tmp_path / "pii.yaml") in str(error.value)
    assert message in str(error.value)


def test_custom_entities_are_known_to_field_rules() -> None:
    """A field rule may name an entity that a custom recognizer provides."""
    rules = PiiRules.model_validate(
        {
            "version": "sentinel/v1",
            "kind": "pii",
            "custom_recognizers": [
                {
                    "name": "emp",
                    "entity": "EMPLOYEE_ID",
                    "patterns": [{"name": "e", "regex": "E\\d{6}", "score": 0.6}],
                }
            ],
            "fields": {"output": {"entities": ["EMPLOYEE_ID"], "action": "block"}},
        }
    )
    assert rules.known_entities() >= {"EMPLOYEE_ID", "EMAIL_ADDRESS"}


def test_validating_a_pathological_pattern_is_quick() -> None:
    """Compiling user patterns at load time uses RE2: no exponential blow-up."""
    began = time.process_time()  # CPU time: load elsewhere does not count
    PiiRules.model_validate(
        {
            "version": "sentinel/v1",
            "kind": "pii",
            "custom_recognizers": [
                {
                    "name": "evil",
                    "entity": "EVIL",
                    "patterns": [{"name": "e", "regex": "(a+)+$", "score": 0.5}],
                }
            ],
        }
    )
    assert time.process_time() - began < 1.0
