"""Load a rules directory: every `*.yaml` file, validated once, failing closed.

A bad file stops the start with the file and the field path in the message; a bad file never
falls back to defaults. The default rules ship inside the package (`sentinel/rules/defaults/`,
one `<kind>.yaml` each): they are used when no directory is given, and for each kind a
directory does not define (`RuleSet.defaults` names those kinds so callers can say so).
Kinds with no packaged file (e.g. `guardrails`) take their model defaults.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from sentinel.alerting.config import AlertingRules
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
    """
    loaded: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if directory is not None:
        if not directory.is_dir():
            raise RulesError(f"could not load rules: {directory} is not a directory")
        files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        for path in files:
            kind, rules = load_rules_file(path)
            if kind in loaded:
                raise RulesError(
                    f"could not load {path}: kind `{kind}` is already defined in {sources[kind]}"
                )
            loaded[kind] = rules
            sources[kind] = str(path)
    defaults: list[str] = []
    for kind, entry in packaged_rules().items():
        if kind not in loaded:
            loaded[kind] = _packaged(kind)
            sources[kind] = f"packaged {entry.name}"
            defaults.append(kind)
    return RuleSet(
        **loaded,
        sources=sources,
        defaults=tuple(defaults) if directory is not None else (),
        directory=None if directory is None else str(directory),
    )


def write_default_rules(directory: Path, overwrite: bool = False) -> list[Path]:
    """Copy the packaged rules files into `directory` (created); return the files written.

    Existing files are kept unless `overwrite`: a RulesError names them instead.
    """
    entries = packaged_rules()
    targets = {directory / entry.name: entry for entry in entries.values()}
    existing = sorted(str(path) for path in targets if path.exists())
    if existing and not overwrite:
        raise RulesError(
            f"could not write default rules: {', '.join(existing)} already exist "
            "(pass --force to replace them)"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path, entry in targets.items():
            path.write_bytes(entry.read_bytes())
    except OSError as exc:
        raise RulesError(f"could not write default rules to {directory}: {exc}") from exc
    return list(targets)


def load_rules_file(path: Path | Traversable) -> tuple[str, BaseModel]:
    """Parse and validate one file; return its kind and model."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"could not load {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"could not load {path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise RulesError(f"could not load {path}: expected a mapping with `version` and `kind`")
    if document.get("version") != RULES_VERSION:
        raise RulesError(
            f"could not load {path}: version: expected `{RULES_VERSION}`, "
            f"got `{document.get('version')}`"
        )
    kind = document.get("kind")
    if kind not in KINDS:
        raise RulesError(
            f"could not load {path}: kind: unknown kind `{kind}` "
            f"(known: {', '.join(sorted(KINDS))})"
        )
    try:
        return kind, KINDS[kind].model_validate(document)
    except ValidationError as exc:
        raise RulesError(f"could not load {path}: {_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    """`models[2].input: Input should be greater than or equal to 0` (one line per error)."""
    lines = []
    for error in exc.errors():
        path = ""
        for part in error["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        lines.append(f"{path or '(top)'}: {error['msg']}")
    return "; ".join(lines)


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
