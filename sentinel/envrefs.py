"""`${VAR}` references in rules values (webhook headers, alert labels), resolved at start-up.

An unset variable stops the start with the field it was meant for: a webhook refused for
want of its token must fail now, not at the first alert or rollback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sentinel.errors import ConfigError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


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
