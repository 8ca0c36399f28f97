"""Load a rules directory: every `*.yaml` file, validated once, failing closed.

A bad file stops the start with the file and the field path in the message; a bad file never
falls back to defaults. The default rules ship inside the package (`sentinel/rules/defaults/`,
one `<kind>.yaml` each): they are used when no directory is given, and for each kind a
directory does not define (`RuleSet.defaults` names those kinds so callers can say so).
Kinds with no packaged file (e.g. `guardrails`) take their model defaults.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from sentinel.alerting.config import AlertingRules
from sentinel.envrefs import env_problems
from sentinel.errors import RulesError
from sentinel.filters.content.config import ContentRules
from sentinel.filters.hallucination.config import HallucinationRules
from sentinel.filters.pii.config import PiiRules
from sentinel.guard.config import SpendGuardRules
from sentinel.otel.config import OtelRules
from sentinel.rollback.config import RollbackRules
from sentinel.rules.base import RULES_VERSION
from sentinel.rules.guardrails import GuardrailRules
from sentinel.rules.labels import LabelRules
from sentinel.rules.pricing import PricingRules
from sentinel.rules.problems import Problem, line_of, problems_of
from sentinel.slo.config import SloRules

KINDS: dict[str, type[BaseModel]] = {
    "pricing": PricingRules,
    "labels": LabelRules,
    "guardrails": GuardrailRules,
    "pii": PiiRules,
    "content": ContentRules,
    "hallucination": HallucinationRules,
    "slos": SloRules,
    "spend_guard": SpendGuardRules,
    "alerting": AlertingRules,
    "rollback": RollbackRules,
    "otel": OtelRules,
}


# Each packaged rules file starts with `# yaml-language-server: $schema=../schemas/<kind>.json`
# (the schemas are package data beside the defaults; `rules init` copies them as well).
PACKAGED_SCHEMA_DIR = "$schema=../schemas/"


@dataclass(frozen=True)
class RuleSet:
    """Every kind of rule, each from one file or its default."""

    pricing: PricingRules = field(
        default_factory=lambda: PricingRules.model_validate(_header("pricing"))
    )
    labels: LabelRules = field(default_factory=lambda: LabelRules.model_validate(_header("labels")))
    guardrails: GuardrailRules = field(
        default_factory=lambda: GuardrailRules.model_validate(_header("guardrails"))
    )
    pii: PiiRules = field(default_factory=lambda: PiiRules.model_validate(_header("pii")))
    content: ContentRules = field(
        default_factory=lambda: ContentRules.model_validate(_header("content"))
    )
    hallucination: HallucinationRules = field(
        default_factory=lambda: HallucinationRules.model_validate(_header("hallucination"))
    )
    slos: SloRules = field(default_factory=lambda: SloRules.model_validate(_header("slos")))
    spend_guard: SpendGuardRules = field(
        default_factory=lambda: SpendGuardRules.model_validate(_header("spend_guard"))
    )
    alerting: AlertingRules = field(
        default_factory=lambda: AlertingRules.model_validate(_header("alerting"))
    )
    rollback: RollbackRules = field(
        default_factory=lambda: RollbackRules.model_validate(_header("rollback"))
    )
    otel: OtelRules = field(default_factory=lambda: OtelRules.model_validate(_header("otel")))
    sources: dict[str, str] = field(default_factory=dict)  # kind -> file it came from
    # kinds taken from the packaged defaults because the directory has no file for them
    defaults: tuple[str, ...] = ()
    directory: str | None = None  # the rules directory given, None for the packaged rules


def _header(kind: str) -> dict[str, str]:
    return {"version": RULES_VERSION, "kind": kind}


def packaged_rules() -> dict[str, Traversable]:
    """The rules files shipped inside the package, by kind (`<kind>.yaml`)."""
    folder = resources.files("sentinel.rules") / "defaults"
    return {
        entry.name.removesuffix(".yaml"): entry
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml") and entry.name.removesuffix(".yaml") in KINDS
    }


@functools.cache
def _packaged(kind: str) -> BaseModel:
    """The packaged rules of one kind, parsed once per process (models are frozen)."""
    loaded_kind, rules = load_rules_file(packaged_rules()[kind])
    if loaded_kind != kind:
        raise RulesError(f"packaged rules file {kind}.yaml declares kind `{loaded_kind}`")
    return rules


def load_rules(directory: Path | None = None) -> RuleSet:
    """Load and validate every rules file in `directory` (None: the packaged rules).

    A kind the directory does not define takes its packaged default, named in `defaults`.
    Every problem of every file is in the RulesError, one per line.
    """
    rules, problems = check_rules(directory)
    if rules is None:
        raise RulesError("\n".join(p.as_load_error() for p in problems if not p.warning))
    return rules


def check_rules(
    directory: Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[RuleSet | None, list[Problem]]:
    """Every problem of every rules file in `directory`, and the rules when there is none.

    With `environ`, `${VAR}` references in the fields that expand them must be set there.
    """
    loaded: dict[str, Any] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    if directory is not None:
        if not directory.is_dir():
            raise RulesError(f"could not load rules: {directory} is not a directory")
        files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        for path in files:
            kind, rules, node, found = _check_file(path)
            problems += found
            if kind is not None and kind in sources:
                message = f"`{kind}` is already defined in {sources[kind]}"
                problems.append(Problem(str(path), line_of(node, ["kind"]), "kind", message))
                continue
            if kind is not None:
                sources[kind] = str(path)
                if rules is not None:
                    loaded[kind] = rules
                if environ is not None:
                    problems += env_problems(str(path), kind, node, environ)
    if any(not p.warning for p in problems):
        return None, problems
    defaults: list[str] = []
    for kind, entry in packaged_rules().items():
        if kind not in loaded:
            loaded[kind] = _packaged(kind)
            sources[kind] = f"packaged {entry.name}"
            defaults.append(kind)
    rules_set = RuleSet(
        **loaded,
        sources=sources,
        defaults=tuple(defaults) if directory is not None else (),
        directory=None if directory is None else str(directory),
    )
    return rules_set, problems


def write_default_rules(directory: Path, overwrite: bool = False) -> list[Path]:
    """Copy the packaged rules files into `directory` (created), with the JSON Schema of
    every kind in `directory/schemas/` (their first lines point there); return the files
    written. Existing rules files are kept unless `overwrite`: a RulesError names them."""
    entries = packaged_rules()
    targets = {directory / entry.name: entry for entry in entries.values()}
    existing = sorted(str(path) for path in targets if path.exists())
    if existing and not overwrite:
        raise RulesError(
            f"could not write default rules: {', '.join(existing)} already exist "
            "(pass --force to replace them)"
        )
    schemas = resources.files("sentinel.rules") / "schemas"
    written: list[Path] = []
    try:
        (directory / "schemas").mkdir(parents=True, exist_ok=True)
        for path, entry in targets.items():
            text = entry.read_text(encoding="utf-8")
            text = text.replace(PACKAGED_SCHEMA_DIR, "$schema=schemas/", 1)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        for kind in KINDS:
            target = directory / "schemas" / f"{kind}.json"
            target.write_bytes((schemas / f"{kind}.json").read_bytes())
            written.append(target)
    except OSError as exc:
        raise RulesError(f"could not write default rules to {directory}: {exc}") from exc
    return written


def load_rules_file(path: Path | Traversable) -> tuple[str, BaseModel]:
    """Parse and validate one file; return its kind and model."""
    kind, rules, _, problems = _check_file(path)
    if problems or kind is None or rules is None:
        raise RulesError("\n".join(p.as_load_error() for p in problems))
    return kind, rules


def _check_file(
    path: Path | Traversable,
) -> tuple[str | None, BaseModel | None, yaml.Node | None, list[Problem]]:
    """(kind, model, YAML tree, problems) of one file; the model only when no problem."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, None, [Problem(file, None, "(top)", str(exc))]
    try:  # the tree gives lines, the document the values (rules files are small)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else int(mark.line) + 1
        return None, None, None, [Problem(file, line, "(top)", f"not valid YAML: {exc}")]
    if not isinstance(document, dict):
        expected = "expected a mapping with `version` and `kind`"
        return None, None, node, [Problem(file, 1, "(top)", expected)]
    if document.get("version") != RULES_VERSION:
        message = f"expected `{RULES_VERSION}`, got `{document.get('version')}`"
        return None, None, node, [Problem(file, line_of(node, ["version"]), "version", message)]
    kind = document.get("kind")
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        message = f"unknown kind `{kind}` (known: {', '.join(sorted(KINDS))}){hint}"
        return None, None, node, [Problem(file, line_of(node, ["kind"]), "kind", message)]
    try:
        return kind, KINDS[kind].model_validate(document), node, []
    except ValidationError as exc:
        return kind, None, node, problems_of(exc, KINDS[kind], file, node)


def kind_json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind's rules file: what each file's first line points editors
    to (`# yaml-language-server: $schema=...`), so they check and complete that kind only."""
    schema = KINDS[kind].model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:sentinel:schema:rules:{kind}:sentinel.v1",
        **schema,
        "title": f"sentinel rules: kind {kind}",
    }


def rules_json_schema() -> dict[str, Any]:
    """A JSON Schema accepting any rules file, for editors (one branch per kind)."""
    refs, schema = models_json_schema(
        [(model, "validation") for model in KINDS.values()], ref_template="#/$defs/{model}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:sentinel:schema:rules:sentinel.v1",
        "title": "sentinel rules file",
        "oneOf": [refs[(model, "validation")] for model in KINDS.values()],
        "$defs": schema["$defs"],
    }
