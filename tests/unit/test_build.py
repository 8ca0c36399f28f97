"""Which core is running is known and shown: `sentinel --version` and sentinel_build_info."""

from __future__ import annotations

import os

from click.testing import CliRunner
from prometheus_client import CollectorRegistry, generate_latest

from sentinel import __version__
from sentinel.build import core
from sentinel.cli import main
from sentinel.telemetry.metrics import PrometheusRecorder


def test_the_core_is_the_build_this_pass_expects() -> None:
    """The interpreted test pass runs the interpreted core; scripts/test-compiled.sh sets
    SENTINEL_EXPECT_CORE=compiled, and the compiled core must then be the one loaded."""
    assert core() == os.environ.get("SENTINEL_EXPECT_CORE", "interpreted")


def test_version_and_build_info_name_the_core() -> None:
    """An operator sees the core in `sentinel --version` and in sentinel_build_info."""
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"sentinel, version {__version__} ({core()} core)"
    registry = CollectorRegistry()
    PrometheusRecorder(registry, version=__version__)
    exposition = generate_latest(registry).decode()
    assert f'sentinel_build_info{{core="{core()}",version="{__version__}"}} 1.0' in exposition
