"""Kafka client settings from the environment, so secrets never sit in a process's argv.

`SENTINEL_KAFKA_OPTION_<KEY>=value` is the same as `--kafka-option <key>=value` (KEY upper
case, as environment variable names are): `SENTINEL_KAFKA_OPTION_SASL_PLAIN_PASSWORD` sets
`sasl_plain_password`. The command line wins over the environment for the same key. A
Kubernetes pod reads such variables from a Secret (`valueFrom.secretKeyRef`), so the
password is neither in the pod spec nor in `/proc/<pid>/cmdline`.
"""

from __future__ import annotations

from collections.abc import Mapping

PREFIX = "SENTINEL_KAFKA_OPTION_"


def kafka_options_from_env(environ: Mapping[str, str]) -> tuple[str, ...]:
    """`key=value` pairs (for the --kafka-option parser) from SENTINEL_KAFKA_OPTION_* vars,
    in name order; empty names are skipped."""
    return tuple(
        f"{name[len(PREFIX) :].lower()}={value}"
        for name, value in sorted(environ.items())
        if name.startswith(PREFIX) and len(name) > len(PREFIX)
    )
