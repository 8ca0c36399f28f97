"""`kind: rollback` rules: the shipped file, defaults, and errors that name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from sentinel.rollback import RollbackRules

SHIPPED = Path(__file__).parents[2] / "sentinel" / "rules" / "defaults" / "rollback.yaml"


def validate(**fields: Any) -> RollbackRules:
    return RollbackRules.model_validate({"version": "sentinel/v1", "kind": "rollback", **fields})


def test_the_shipped_file_is_a_valid_dry_run() -> None:
    """rules/rollback.yaml validates, gates five SLIs and acts on nothing until edited."""
    rules = RollbackRules.model_validate(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    assert rules.enabled and rules.dry_run and rules.actions.webhook.url is None
    assert [g.name for g in rules.gates] == [
        "hallucination",
        "latency",
        "errors",
        "pii_leak",
        "injection_followed",
    ]


def test_the_defaults_gate_nothing() -> None:
    """A file with only version and kind is valid and disabled."""
    rules = validate()
    assert not rules.enabled and rules.gates == [] and rules.alpha == 0.01
    assert rules.test == "msprt" and not rules.dry_run


GATE = {"name": "errors", "sli": {"kind": "errors"}}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"enabled": True}, "enabled: no gates and slo_burn is off"),
        ({"gates": [GATE, GATE]}, "gates[1].name: `errors` is defined twice"),
        ({"canary_variant": "baseline"}, "canary_variant: must differ from baseline_variant"),
        (
            {"gates": [{"name": "slow", "sli": {"kind": "latency"}}]},
            "threshold: required for sli kind `latency`",
        ),
        ({"gates": [{**GATE, "name": "Errors!"}]}, "String should match pattern"),
        ({"alpha": 0.5}, "Input should be less than or equal to 0.2"),
        ({"test": "z"}, "Input should be 'msprt'"),
        ({"gates": [{**GATE, "min_samples_per_variant": 5}]}, "greater than or equal to 20"),
        ({"actions": {"webhook": {"url": "ftp://x"}}}, "String should match pattern"),
        ({"cooldown": 60}, "Extra inputs are not permitted"),
    ],
    ids=[
        "enabled with nothing to gate",
        "a gate name used twice",
        "canary and baseline the same variant",
        "a latency gate without a threshold",
        "a gate name unfit for a metric label",
        "an alpha above 20 percent",
        "an unknown test",
        "a minimum sample below 20",
        "a webhook that is not http",
        "a misspelt key",
    ],
)
def test_bad_rules_fail_naming_the_field(fields: dict[str, Any], message: str) -> None:
    """Invalid rollback rules are refused with a message that points at the problem."""
    with pytest.raises(ValidationError) as error:
        validate(**fields)
    assert message in str(error.value)
