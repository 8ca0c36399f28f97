"""Generated artefacts are committed and match what the code generates now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.rules.loader import KINDS

DOCS = Path(__file__).parents[2] / "docs" / "schemas"


KIND_SCHEMAS = Path(__file__).parents[2] / "sentinel" / "rules" / "schemas"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("event", DOCS / "sentinel.llm.v1.json"),
        ("rules", DOCS / "sentinel.rules.v1.json"),
        *[(kind, KIND_SCHEMAS / f"{kind}.json") for kind in sorted(KINDS)],
    ],
    ids=lambda value: f"{value} schema matches" if isinstance(value, str) else "",
)
def test_committed_schema_has_not_drifted(kind: str, path: Path) -> None:
    """`sentinel schema` output equals the committed copy (run scripts/generate.sh)."""
    result = CliRunner().invoke(main, ["schema", "--kind", kind])
    assert result.exit_code == 0
    assert result.output == path.read_text(), f"regenerate {path.name}: scripts/generate.sh"


def test_the_event_schema_accepts_and_rejects_like_the_decoder() -> None:
    """The published schema is the contract: it accepts a valid event and rejects a bad one."""
    import jsonschema

    schema = json.loads((DOCS / "sentinel.llm.v1.json").read_text())
    good = {
        "schema": "sentinel.llm.v1",
        "event_id": "e",
        "type": "response",
        "request_id": "r",
        "timestamp": "2026-11-02T09:00:00Z",
        "usage": {"input_tokens": 5},
    }
    jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "usage": {"input_tokens": -5}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "schema": "sentinel.llm.v2"}, schema)
