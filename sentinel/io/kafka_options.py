"""kafka-python client options from text (`--kafka-option`, the environment), typed and
checked before any connection.

The option names and their types come from kafka-python itself (the consumer's and the
producer's `DEFAULT_CONFIG`): a boolean option takes `true/false/yes/no/1/0`, an integer one
an integer, and so on, so `ssl_check_hostname=false` is `False`, not the truthy string
`'false'`. Java client spellings (`security.protocol`) are accepted. An unknown name is an
error that names the closest known one. Options sentinel sets itself, and those that take
Python objects (serializers, SSL contexts, token providers), cannot be set from text.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from sentinel.errors import ConfigError

_DEFAULTS: dict[str, Any] = {**KafkaProducer.DEFAULT_CONFIG, **KafkaConsumer.DEFAULT_CONFIG}
# sentinel sets these itself (bootstrap from --bootstrap-servers, group from --group-id,
# offsets are committed by sentinel after its outputs are accepted)
_OWNED = frozenset(
    {
        "bootstrap_servers",
        "group_id",
        "enable_auto_commit",
        "key_deserializer",
        "value_deserializer",
        "key_serializer",
        "value_serializer",
    }
)
# Options whose default is None but that take a Python object.
_OBJECTS = frozenset({"ssl_context", "sasl_oauth_token_provider"})
_CHOICES: dict[str, tuple[str, ...]] = {
    "security_protocol": ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"),
    "sasl_mechanism": ("PLAIN", "GSSAPI", "OAUTHBEARER", "SCRAM-SHA-256", "SCRAM-SHA-512"),
    "compression_type": ("gzip", "snappy", "lz4", "zstd"),
    "auto_offset_reset": ("earliest", "latest"),
    "isolation_level": ("read_uncommitted", "read_committed"),
}
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
# Options whose default is None but whose value is a number.
_NUMBERS_WITHOUT_DEFAULT = frozenset({"receive_buffer_bytes", "send_buffer_bytes"})
# Environment values: one option per line, or separated by commas or spaces where the next
# option's `key=` starts (a value may hold commas and spaces), or a JSON object.
_SPLIT = re.compile(r"(?:\s*[\n,;]\s*|\s+)(?=[A-Za-z][A-Za-z0-9_.]*=)")


def settable_options() -> list[str]:
    """Every option name text can set, sorted."""
    return sorted(name for name in _DEFAULTS if _converter(name) is not None)


def parse_kafka_options(pairs: Iterable[str]) -> dict[str, Any]:
    """`key=value` texts to typed client options; later pairs win. Raises ConfigError naming
    the option and what it expects (never the value: it may be a secret)."""
    parsed: dict[str, Any] = {}
    for pair in pairs:
        raw_key, sep, value = pair.partition("=")
        key = raw_key.strip().lower().replace(".", "_").replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"Kafka option: expected KEY=VALUE, got `{raw_key.strip()}...`")
        parsed[key] = _convert(key, value.strip())
    return parsed


def split_env_options(text: str) -> list[str]:
    """Several options in one environment variable: a JSON object, or `key=value` items one
    per line or separated by commas or spaces."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"Kafka options: not a valid JSON object: {exc.msg}") from exc
        if not isinstance(document, dict):
            raise ConfigError("Kafka options: expected a JSON object of option: value")
        return [f"{key}={_json_text(value)}" for key, value in document.items()]
    return [item for item in _SPLIT.split(text) if item.strip()]


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _convert(key: str, value: str) -> Any:
    if key in _OWNED:
        raise ConfigError(f"Kafka option `{key}`: set by sentinel itself (see sentinel run --help)")
    if key not in _DEFAULTS:
        close = difflib.get_close_matches(key, settable_options(), n=1, cutoff=0.6)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        raise ConfigError(f"unknown Kafka client option `{key}`{hint}")
    converter = _converter(key)
    if converter is None:
        raise ConfigError(f"Kafka option `{key}` takes a Python object: it cannot be set as text")
    return converter(key, value)


def _converter(key: str) -> Any:
    if key in _OWNED or key in _OBJECTS:
        return None
    default = _DEFAULTS[key]
    if key in _CHOICES:
        return _choice
    if key == "acks":
        return _acks
    if key == "api_version":
        return _version
    if isinstance(default, bool):
        return _bool
    if isinstance(default, int) or key in _NUMBERS_WITHOUT_DEFAULT:
        return _int
    if isinstance(default, float):  # `retries` and `consumer_timeout_ms` default to inf
        return _int
    if default is None or isinstance(default, str):
        return _str
    return None


def _bool(key: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"Kafka option `{key}`: expected true or false")


def _int(key: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"Kafka option `{key}`: expected an integer") from None


def _str(key: str, value: str) -> str:
    return value


def _choice(key: str, value: str) -> str:
    choices = _CHOICES[key]
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ConfigError(f"Kafka option `{key}`: expected one of {', '.join(choices)}")


def _acks(key: str, value: str) -> int | str:
    if value.lower() == "all":
        return "all"
    if value in ("-1", "0", "1"):
        return int(value)
    raise ConfigError(f"Kafka option `{key}`: expected all, -1, 0 or 1")


def _version(key: str, value: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in value.split("."))
    except ValueError:
        raise ConfigError(f"Kafka option `{key}`: expected a version such as 2.8.0") from None
