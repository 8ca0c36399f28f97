"""Rules load strictly: a bad file stops the start with the file and the field path."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.errors import RulesError
from sentinel.rules.loader import (
    check_rules,
    kind_json_schema,
    load_rules,
    load_rules_file,
    packaged_rules,
    rules_json_schema,
    write_default_rules,
)

REPO_RULES = Path(__file__).parents[2] / "sentinel" / "rules" / "defaults"

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
    with pytest.raises(RulesError, match=r"kind: `pricing` is already defined in .*a\.yaml"):
        load_rules(tmp_path)


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    """No silent fallback to defaults when the rules directory is wrong."""
    with pytest.raises(RulesError, match="is not a directory"):
        load_rules(tmp_path / "nope")


def test_the_shipped_rules_are_valid() -> None:
    """Every packaged rules file loads."""
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


def test_no_directory_loads_the_packaged_rules() -> None:
    """Without a directory every kind comes from the rules shipped inside the package."""
    rules = load_rules()
    assert set(packaged_rules()) <= set(rules.sources)
    assert rules.pricing.find("gpt-4.1-mini") is not None
    assert rules.defaults == ()  # nothing to warn about: no directory was given


def test_every_packaged_file_is_named_after_its_kind() -> None:
    """`<kind>.yaml` in the package declares that kind, so a missing kind finds its default."""
    for kind, entry in packaged_rules().items():
        assert load_rules_file(entry)[0] == kind
    assert {"pricing", "slos", "pii", "content"} <= set(packaged_rules())


def test_a_kind_the_directory_lacks_takes_its_packaged_default(tmp_path: Path) -> None:
    """A folder holding only pricing.yaml keeps its prices and names every defaulted kind."""
    (tmp_path / "pricing.yaml").write_text(PRICING_OK)
    rules = load_rules(tmp_path)
    assert [m.model for m in rules.pricing.models] == ["a"]
    assert "pricing" not in rules.defaults
    assert set(rules.defaults) == set(packaged_rules()) - {"pricing"}
    assert rules.slos == load_rules().slos
    assert rules.sources["slos"] == "packaged slos.yaml"


def test_an_empty_directory_is_not_cost_zero(tmp_path: Path) -> None:
    """An empty rules folder prices with the packaged defaults and says every kind defaulted."""
    rules = load_rules(tmp_path)
    assert rules.pricing.find("gpt-4.1-mini") is not None
    assert set(rules.defaults) == set(packaged_rules())


def test_init_writes_an_editable_copy_that_loads(tmp_path: Path) -> None:
    """`write_default_rules` copies every packaged file; the copy loads with nothing defaulted."""
    written = write_default_rules(tmp_path / "mine")
    rules_files = [p.name for p in written if p.suffix == ".yaml"]
    assert sorted(rules_files) == sorted(e.name for e in packaged_rules().values())
    rules = load_rules(tmp_path / "mine")
    assert rules.defaults == ()
    assert rules.pricing == load_rules().pricing


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    """Existing files are kept unless overwriting is asked for."""
    (tmp_path / "pricing.yaml").write_text(PRICING_OK)
    with pytest.raises(RulesError, match=r"pricing\.yaml already exist"):
        write_default_rules(tmp_path)
    assert (tmp_path / "pricing.yaml").read_text() == PRICING_OK
    write_default_rules(tmp_path, overwrite=True)
    assert load_rules(tmp_path).pricing == load_rules().pricing


def test_every_error_of_every_file_with_line_and_hint(tmp_path: Path) -> None:
    """check_rules lists each problem of each file, located by line, with "did you mean"."""
    (tmp_path / "pricing.yaml").write_text(
        "version: sentinel/v1\nkind: pricing\nmodels:\n  - model: a\n    input: 1\n"
        "    ouput: 2\n  - {model: b, input: -1, output: 2}\n"
    )
    (tmp_path / "slos.yaml").write_text("version: sentinel/v1\nkind: slos\nevaluation_intervl: 5\n")
    (tmp_path / "x.yaml").write_text("version: sentinel/v1\nkind: prices\n")
    rules, problems = check_rules(tmp_path)
    assert rules is None
    found = {(Path(p.file).name, p.line, p.path): p.message for p in problems}
    assert found[("pricing.yaml", 6, "models[0].ouput")].endswith("(did you mean `output`?)")
    assert ("pricing.yaml", 4, "models[0].output") in found  # the item that lacks it
    assert found[("pricing.yaml", 7, "models[1].input")].startswith("Input should be greater")
    assert (
        "did you mean `evaluation_interval_seconds`?"
        in found[("slos.yaml", 3, "evaluation_intervl")]
    )
    assert found[("x.yaml", 2, "kind")].endswith("did you mean `pricing`?")
    with pytest.raises(RulesError) as error:  # load_rules says all of it too, one per line
        load_rules(tmp_path)
    assert len(str(error.value).splitlines()) == len(problems)
    assert "pricing.yaml: models[0].ouput: Extra inputs are not permitted" in str(error.value)


def test_a_model_validator_error_is_located_by_the_path_in_its_message(tmp_path: Path) -> None:
    """`models[1].model: ... listed twice` points at line of models[1].model."""
    (tmp_path / "pricing.yaml").write_text(
        "version: sentinel/v1\nkind: pricing\nmodels:\n  - {model: a, input: 1, output: 2}\n"
        "  - model: a\n    input: 1\n    output: 2\n"
    )
    [problem] = check_rules(tmp_path)[1]
    assert (problem.line, problem.path) == (5, "models[1].model")
    assert problem.message == "`a` is listed twice"


def test_env_references_must_be_set_where_they_are_expanded(tmp_path: Path) -> None:
    """An unset ${VAR} in a header or label is an error; one in a URL is a warning."""
    (tmp_path / "alerting.yaml").write_text(
        "version: sentinel/v1\nkind: alerting\nexternal_labels:\n  replica: ${POD}\n"
    )
    (tmp_path / "rollback.yaml").write_text(
        "version: sentinel/v1\nkind: rollback\nactions:\n  webhook:\n"
        '    url: https://x.example/${TOKEN}\n    headers: {Authorization: "Bearer ${TOKEN}"}\n'
    )
    rules, problems = check_rules(tmp_path, environ={})
    assert rules is None
    assert {(Path(p.file).name, p.line, p.path, p.warning) for p in problems} == {
        ("alerting.yaml", 4, "external_labels.replica", False),
        ("rollback.yaml", 5, "actions.webhook.url", True),
        ("rollback.yaml", 6, "actions.webhook.headers.Authorization", False),
    }
    rules, problems = check_rules(tmp_path, environ={"POD": "p-1", "TOKEN": "t"})
    assert rules is not None and [p.path for p in problems] == ["actions.webhook.url"]


def test_each_packaged_file_points_editors_to_its_kind_schema() -> None:
    """Line 1 is a yaml-language-server modeline to the kind's own schema, which the file
    satisfies and which is what `sentinel schema --kind KIND` generates."""
    import json

    import jsonschema
    import yaml

    for kind, entry in packaged_rules().items():
        first = entry.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../schemas/{kind}.json", kind
        schema_file = REPO_RULES.parent / "schemas" / f"{kind}.json"
        schema = json.loads(schema_file.read_text())
        assert schema == json.loads(json.dumps(kind_json_schema(kind)))
        jsonschema.validate(yaml.safe_load(entry.read_text(encoding="utf-8")), schema)
        other = "slos" if kind != "slos" else "pricing"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"version": "sentinel/v1", "kind": other}, schema)


def test_init_copies_the_schemas_its_files_point_to(tmp_path: Path) -> None:
    """After `rules init`, every file's modeline resolves to a schema inside the folder."""
    write_default_rules(tmp_path)
    for path in tmp_path.glob("*.yaml"):
        first = path.read_text().splitlines()[0]
        target = first.removeprefix("# yaml-language-server: $schema=")
        assert target == f"schemas/{path.stem}.json" and (tmp_path / target).is_file()
