"""Problems in a rules file, each with its line, field path and, for unknown keys, a hint.

Validation errors from pydantic carry a field path (`models[1].input`); the YAML node tree
carries lines. `problems_of` joins the two, and for an unknown key names the closest
allowed key ("did you mean `threshold`?") by walking the rules model along the path.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

# model validators report the field in their message: "Value error, models[1].model: ..."
_PATH_IN_MESSAGE = re.compile(r"^(?:Value error, )?([A-Za-z_][\w]*(?:\[\d+\]|\.[A-Za-z_]\w*)*): ")
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z_]\w*)")
_MAX_LISTED_KEYS = 12  # list the allowed keys when no close match and there are few


@dataclass(frozen=True, slots=True)
class Problem:
    """One error in one rules file."""

    file: str
    line: int | None  # 1-based; None when not located
    path: str  # field path, `(top)` for the whole file
    message: str
    warning: bool = False  # worth saying, but the rules still load

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        level = "warning" if self.warning else "error"
        return f"{where}: {level}: {self.path}: {self.message}"

    def as_load_error(self) -> str:
        """The message `load_rules` raises: `could not load FILE: PATH: MESSAGE (line N)`."""
        line = f" (line {self.line})" if self.line is not None else ""
        return f"could not load {self.file}: {self.path}: {self.message}{line}"


def format_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top)"


def line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the value at `loc` in a composed YAML document (of its key, for
    the last part; the deepest node found when a part is not a key, such as a union tag)."""
    if node is None:
        return None
    last = len(loc) - 1
    for index, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    node = key if index == last else value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            node = node.value[part]
    return int(node.start_mark.line) + 1


def problems_of(
    exc: ValidationError, model: type[BaseModel], file: str, node: yaml.Node | None
) -> list[Problem]:
    """Every error of `exc`, located in `node` (the file's YAML tree)."""
    problems = []
    for error in exc.errors():
        loc: list[int | str] = list(error["loc"])
        message = str(error["msg"])
        if not loc:
            found = _PATH_IN_MESSAGE.match(message)
            if found:
                loc = _parse_path(found.group(1))
                message = message[found.end() :]
            elif message.startswith("Value error, "):
                message = message.removeprefix("Value error, ")
        if error["type"] == "extra_forbidden" and loc:
            message += _hint(str(loc[-1]), allowed_keys(model, loc[:-1]))
        problems.append(Problem(file, line_of(node, loc), format_path(loc), message))
    return problems


def _parse_path(text: str) -> list[int | str]:
    return [int(i) if i else name for i, name in _PATH_PART.findall(text)]


def _hint(key: str, allowed: list[str]) -> str:
    if not allowed:
        return ""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f" (did you mean `{close[0]}`?)"
    if len(allowed) <= _MAX_LISTED_KEYS:
        return f" (allowed: {', '.join(sorted(allowed))})"
    return ""


def allowed_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys a mapping at `loc` may have, following the model's field types."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    models = _models_in(current)
    return sorted({name for m in models for name in _field_names(m)})


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _step(current: Any, part: int | str) -> Any:
    for candidate in _models_in(current):
        info = candidate.model_fields.get(str(part))
        if info is None:
            info = next((i for i in candidate.model_fields.values() if i.alias == str(part)), None)
        if info is not None:
            return info.annotation
    for arg in _arms(current):
        origin = typing.get_origin(arg)
        if origin in (list, tuple, set, frozenset, Sequence) and isinstance(part, int):
            return typing.get_args(arg)[0] if typing.get_args(arg) else None
        if origin is dict and isinstance(part, str):
            args = typing.get_args(arg)
            return args[1] if len(args) == 2 else None
    return None


def _arms(annotation: Any) -> list[Any]:
    """The alternatives of a union (and the inner type of Annotated), else the type itself."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _arms(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [a for arg in typing.get_args(annotation) for a in _arms(arg)]
    return [annotation]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    return [
        arm for arm in _arms(annotation) if isinstance(arm, type) and issubclass(arm, BaseModel)
    ]
