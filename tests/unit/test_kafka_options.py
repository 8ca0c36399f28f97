"""Kafka client options from text: typed, checked before connecting, with suggestions."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.errors import ConfigError, SourceError
from sentinel.io.kafka import KafkaSettings, KafkaSource
from sentinel.io.kafka_options import parse_kafka_options, settable_options, split_env_options

TYPED = [
    ("a false boolean is False, not the string", "ssl_check_hostname=false", False),
    ("yes is True", "ssl_check_hostname=yes", True),
    ("an integer option is an int", "request_timeout_ms=5000", 5000),
    ("retries (default inf) takes an integer", "retries=3", 3),
    ("a digit-only password stays a string", "sasl_plain_password=123456", "123456"),
    ("a choice is normalised to its spelling", "security_protocol=sasl_ssl", "SASL_SSL"),
    ("acks all", "acks=all", "all"),
    ("api_version becomes a tuple", "api_version=2.8.0", (2, 8, 0)),
    ("a Java-style name works", "sasl.mechanism=SCRAM-SHA-512", "SCRAM-SHA-512"),
]


@pytest.mark.parametrize(("pair", "value"), [t[1:] for t in TYPED], ids=[t[0] for t in TYPED])
def test_options_are_typed_from_kafka_pythons_own_defaults(pair: str, value: object) -> None:
    """Each option gets the type kafka-python expects for it."""
    [(key, parsed)] = parse_kafka_options([pair]).items()
    assert parsed == value and type(parsed) is type(value)
    assert key == pair.partition("=")[0].replace(".", "_")


BAD = [
    (
        "a misspelt name suggests the right one",
        "ssl_check_hostnme=SECRET",
        "unknown Kafka client option `ssl_check_hostnme` (did you mean `ssl_check_hostname`?)",
    ),
    ("a boolean that is not one", "ssl_check_hostname=SECRET", "expected true or false"),
    ("an integer that is not one", "request_timeout_ms=SECRET", "expected an integer"),
    ("a protocol not in the list", "security_protocol=SECRET", "expected one of PLAINTEXT, SSL"),
    ("an option sentinel owns", "group_id=SECRET", "set by sentinel itself"),
    ("an option that takes a Python object", "ssl_context=SECRET", "cannot be set as text"),
]


@pytest.mark.parametrize(("pair", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_options_are_refused_naming_the_option(pair: str, message: str) -> None:
    """A bad option is an error naming it and what it expects, never echoing the value."""
    with pytest.raises(ConfigError) as error:
        parse_kafka_options([pair])
    assert message in str(error.value)
    assert "SECRET" not in str(error.value)


def test_every_textual_option_of_kafka_python_is_settable() -> None:
    """The usual security and tuning options are known."""
    assert {"security_protocol", "sasl_plain_password", "ssl_cafile", "linger_ms"} <= set(
        settable_options()
    )


SPLITS = [
    ("one per line", "security_protocol=SASL_SSL\nsasl_mechanism=PLAIN\n"),
    ("commas", "security_protocol=SASL_SSL, sasl_mechanism=PLAIN"),
    ("spaces, as before", "security_protocol=SASL_SSL sasl_mechanism=PLAIN"),
    ("a JSON object", '{"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN"}'),
]


@pytest.mark.parametrize("text", [s[1] for s in SPLITS], ids=[s[0] for s in SPLITS])
def test_the_environment_variable_splits_on_lines_commas_spaces_or_json(text: str) -> None:
    """SENTINEL_RUN_KAFKA_OPTIONS holds several options in any of these forms."""
    assert split_env_options(text) == ["security_protocol=SASL_SSL", "sasl_mechanism=PLAIN"]


def test_a_value_with_spaces_and_commas_survives_the_split() -> None:
    """Only a following `key=` starts a new option: values keep their commas and spaces."""
    text = "ssl_ciphers=ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-AES256 GCM\nssl_check_hostname=false"
    assert split_env_options(text) == [
        "ssl_ciphers=ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-AES256 GCM",
        "ssl_check_hostname=false",
    ]
    assert split_env_options('{"ssl_check_hostname": false}') == ["ssl_check_hostname=false"]


def test_run_reads_the_environment_variable_through_click(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`sentinel run` splits SENTINEL_RUN_KAFKA_OPTIONS by lines, and refuses a bad one
    there with exit code 2 before connecting."""
    options = "security_protocol=SSL\nssl_check_hostname=false"
    monkeypatch.setenv("SENTINEL_RUN_KAFKA_OPTIONS", options)
    parent = click.Context(main, info_name="sentinel", auto_envvar_prefix="SENTINEL")
    run = main.commands["run"]
    context = run.make_context("run", ["--bootstrap-servers", "k:1"], parent=parent)
    assert context.params["kafka_options"] == ("security_protocol=SSL", "ssl_check_hostname=false")
    env = {"SENTINEL_RUN_KAFKA_OPTIONS": "security_protocol=SSL,linger_ms=soon"}
    result = CliRunner(env=env).invoke(main, ["run", "--bootstrap-servers", "127.0.0.1:9"])
    assert result.exit_code == 2
    assert "linger_ms" in result.output and "expected an integer" in result.output


def test_an_unknown_option_exits_2_with_a_suggestion_before_connecting() -> None:
    """Nothing listens on port 9: the option is refused before any connection is tried."""
    args = ["run", "--bootstrap-servers", "127.0.0.1:9", "--kafka-option", "sasl_mechansim=PLAIN"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "did you mean `sasl_mechanism`?" in result.output


@pytest.mark.parametrize(
    "pair",
    [
        "reconnect_backoff_max_ms=500",
        "auto_offset_reset=latest",
        "max_partition_fetch_bytes=2000000",
        "fetch_max_bytes=70000000",
        "receive_message_max_bytes=80000000",
    ],
)
def test_an_option_sentinel_defaults_overrides_the_default_on_the_consumer(pair: str) -> None:
    """An option the consumer has a sentinel default for reaches kafka-python in its place
    (it was passed twice and the start failed with a TypeError): with nothing listening,
    the start fails only as a connection does."""
    options = parse_kafka_options([pair, "bootstrap_timeout_ms=50"])
    settings = KafkaSettings("127.0.0.1:9", ("t",), client_options=options)
    with pytest.raises(SourceError, match="could not connect"):
        KafkaSource(settings)
