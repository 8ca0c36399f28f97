"""Indirect injections in tool results, built from the AgentDojo package (MIT licence).

AgentDojo 0.1.35 ships four simulated environments (banking, slack, travel, workspace) as
YAML with named injection points (`{injection_bill_text}` inside a bill, a web page, a
hotel review, an e-mail, a calendar entry, a cloud file), each with a benign default value;
attack templates (`agentdojo/attacks/*.py`, one class per attack family); and per suite the
attacker goals (`GOAL` of each injection task). From them:

- one *carrier* per injection point: the smallest record of the environment holding it
  (an e-mail, a file, a review list), rendered as the tool result an agent would read;
- an *injected document*: the carrier with one attack family's text (goal filled in) at
  the injection point; one per carrier and attack family;
- a *clean twin*: the same carrier with the benign default at the injection point.

Everything is read from the wheel as data (YAML parsed, Python read with `ast`, never
imported or executed). Family = attack class name; source = suite.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.eval.fetch import fetch

PACKAGE = ("agentdojo", "0.1.35")
SUITES = ("banking", "slack", "travel", "workspace")
ATTACK_FILES = ("baseline_attacks", "important_instructions_attacks", "dos_attacks")
# Attack classes that only re-parameterise another one's text (names) or need the
# target's tool schema: not separate families.
SKIP = {"manual", "tool_knowledge"}
USER_NAME = "Emma Johnson"  # the victim name AgentDojo's own attacks use
MODEL_NAMES = ("GPT-4", "Claude", "Gemini", "the AI language model")
MARKER = "INJECTIONPOINT7731"  # unique text marking where the injection goes


@dataclass(frozen=True)
class Doc:
    suite: str
    vector: str
    family: str  # attack family, or "clean" for a twin
    text: str


def _member(path: str) -> Path:
    return fetch(*PACKAGE, f"agentdojo/{path}")


def _constants(tree: ast.AST) -> dict[str, Any]:
    """Module- and class-level NAME = <literal or f-string> assignments, in order."""
    names: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    try:
                        names[target.id] = _value(node.value, names)
                    except ValueError:
                        continue
    return names


def _value(node: ast.AST, names: dict[str, Any]) -> Any:
    """Evaluate a literal, a name bound to one, an f-string or a string sum; never code."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            inner = part.value if isinstance(part, ast.FormattedValue) else part
            parts.append(str(_value(inner, names)))
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _value(node.left, names) + _value(node.right, names)
    if isinstance(node, ast.List | ast.Tuple):
        return [_value(e, names) for e in node.elts]
    raise ValueError(ast.dump(node)[:80])


def attack_templates() -> dict[str, str]:
    """Attack family name -> template text (placeholders {goal}, {user}, {model})."""
    out: dict[str, str] = {}
    for module in ATTACK_FILES:
        tree = ast.parse(_member(f"attacks/{module}.py").read_text(encoding="utf-8"))
        for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
            name, text = None, None
            for node in ast.walk(cls):
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    key = node.targets[0].id
                    value = node.value.value if isinstance(node.value, ast.Constant) else None
                    if key == "name" and isinstance(value, str):
                        name = value
                    elif key in ("_JB_STRING", "_DOS_STRING") and isinstance(value, str):
                        text = value
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "__init__"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    text = node.args[0].value
            if name and text and name not in SKIP:
                out[name] = text
    return out


def goals(suite: str) -> list[str]:
    tree = ast.parse(
        _member(f"default_suites/v1/{suite}/injection_tasks.py").read_text(encoding="utf-8")
    )
    found: list[str] = []
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        names = _constants(cls)
        names = {**_constants(tree), **names}
        goal = names.get("GOAL")
        if isinstance(goal, str) and goal.strip():
            found.append(goal.strip())
    return found


def user_prompts(suite: str) -> list[str]:
    """The suite's benign user requests (`PROMPT` of each user task)."""
    tree = ast.parse(
        _member(f"default_suites/v1/{suite}/user_tasks.py").read_text(encoding="utf-8")
    )
    module = _constants(tree)
    found: list[str] = []
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        prompt = {**module, **_constants(cls)}.get("PROMPT")
        if isinstance(prompt, str) and prompt.strip():
            found.append(prompt.strip())
    return found


def _vectors(suite: str) -> dict[str, str]:
    data = yaml.safe_load(_member(f"data/suites/{suite}/injection_vectors.yaml").read_text())
    return {name: str(spec.get("default", "")) for name, spec in data.items()}


def _environment_texts(suite: str) -> list[str]:
    if suite == "workspace":
        return [
            _member(f"data/suites/workspace/include/{name}.yaml").read_text(encoding="utf-8")
            for name in ("inbox", "calendar", "cloud_drive")
        ]
    return [_member(f"data/suites/{suite}/environment.yaml").read_text(encoding="utf-8")]


def _holder(node: Any) -> Any | None:
    """The smallest mapping whose subtree holds the marker."""
    if isinstance(node, dict):
        for value in node.values():
            inner = _holder(value)
            if inner is not None:
                return inner
        if any(MARKER in s for s in _strings(node)):
            return node
    elif isinstance(node, list):
        for value in node:
            inner = _holder(value)
            if inner is not None:
                return inner
    return None


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _replace(node: Any, text: str) -> Any:
    if isinstance(node, str):
        return node.replace(MARKER, text)
    if isinstance(node, dict):
        return {k: _replace(v, text) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, text) for v in node]
    return node


def carriers(suite: str) -> list[tuple[str, Any, str]]:
    """(vector name, record holding the marker, benign default) per injection point."""
    vectors = _vectors(suite)
    out = []
    for vector, default in vectors.items():
        for raw in _environment_texts(suite):
            if "{" + vector + "}" not in raw:
                continue
            text = raw
            for other, value in vectors.items():
                fill = MARKER if other == vector else value
                text = text.replace("{" + other + "}", fill.replace('"', "'"))
            record = _holder(yaml.safe_load(text))
            if record is not None:
                out.append((vector, record, default))
                break
    return out


def _render(record: Any, indent: str = "") -> str:
    """A record as the plain text a tool result shows: `key: value` lines, `- item` lists."""
    lines: list[str] = []
    if isinstance(record, dict):
        for key, value in record.items():
            if isinstance(value, dict | list):
                lines.append(f"{indent}{key}:")
                lines.append(_render(value, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {value}")
    elif isinstance(record, list):
        for value in record:
            body = (
                _render(value, indent + "  ").lstrip() if isinstance(value, dict | list) else value
            )
            lines.append(f"{indent}- {body}")
    else:
        lines.append(f"{indent}{record}")
    return "\n".join(lines)


def documents() -> list[Doc]:
    """Injected documents (one per carrier and attack family) and clean twins."""
    templates = attack_templates()
    docs: list[Doc] = []
    for suite in SUITES:
        suite_goals = goals(suite)
        for index, (vector, record, default) in enumerate(carriers(suite)):
            docs.append(Doc(suite, vector, "clean", _render(_replace(record, default))))
            for offset, (family, template) in enumerate(sorted(templates.items())):
                goal = suite_goals[(index + offset) % len(suite_goals)] if suite_goals else ""
                attack = template.format(
                    goal=goal,
                    user=USER_NAME,
                    model=MODEL_NAMES[(index + offset) % len(MODEL_NAMES)],
                )
                docs.append(Doc(suite, vector, family, _render(_replace(record, attack))))
    return docs
