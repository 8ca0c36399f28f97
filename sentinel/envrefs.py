"""`${VAR}` references in rules values (webhook headers, alert labels), resolved at start-up.

An unset variable stops the start with the field it was meant for: a webhook refused for
want of its token must fail now, not at the first alert or rollback. `sentinel validate`
checks the same references ahead of time (`env_problems`), and warns about `${VAR}` written
in a field that is not expanded (it would be sent literally).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import yaml

from sentinel.errors import ConfigError
from sentinel.rules.problems import Problem, format_path

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Where the wiring expands references, by rules kind (field paths, as regular expressions).
EXPANDED: dict[str, re.Pattern[str]] = {
    "alerting": re.compile(r"^(external_labels\.[^.\[]+|.*\.headers\.[^.\[]+)$"),
    "rollback": re.compile(r"^actions\.webhook\.headers\.[^.\[]+$"),
    "spend_guard": re.compile(r"^throttle_webhook\.headers\.[^.\[]+$"),
}


def env_references(text: str) -> list[str]:
    """The variable names `text` refers to as `${NAME}`."""
    return _ENV_REF.findall(text)


def expand_env_values(
    values: Mapping[str, str], environ: Mapping[str, str], what: str, where: str
) -> dict[str, str]:
    """Every value with `${VAR}` replaced. An unset variable raises
    `could not build <what>: <where>.<key>: environment variable VAR is not set`."""

    def expand(key: str, text: str) -> str:
        def lookup(match: re.Match[str]) -> str:
            variable = match.group(1)
            if variable not in environ:
                raise ConfigError(
                    f"could not build {what}: {where}.{key}: "
                    f"environment variable {variable} is not set"
                )
            return environ[variable]

        return _ENV_REF.sub(lookup, text)

    return {key: expand(key, text) for key, text in values.items()}


def env_problems(
    file: str, kind: str, node: yaml.Node | None, environ: Mapping[str, str]
) -> list[Problem]:
    """Unset variables in fields that expand `${VAR}` (errors: `run` would stop), and
    references in fields that do not (warnings: sent as written)."""
    expanded = EXPANDED.get(kind)
    if expanded is None or node is None:
        return []
    problems = []
    for loc, line, text in _strings(node, ()):
        names = env_references(text)
        if not names:
            continue
        path = format_path(loc)
        if not expanded.match(path):
            message = f"`${{{names[0]}}}` is not expanded in this field (sent as written)"
            problems.append(Problem(file, line, path, message, warning=True))
            continue
        for name in names:
            if name not in environ:
                message = f"environment variable {name} is not set (`sentinel run` would stop)"
                problems.append(Problem(file, line, path, message))
    return problems


Located = tuple[tuple[int | str, ...], int, str]  # field path, line, text


def _strings(node: yaml.Node, loc: tuple[int | str, ...]) -> Iterator[Located]:
    if isinstance(node, yaml.ScalarNode):
        if isinstance(node.value, str):
            yield loc, int(node.start_mark.line) + 1, node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _strings(value, (*loc, str(key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _strings(item, (*loc, index))
