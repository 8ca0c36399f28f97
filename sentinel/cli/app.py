"""The `sentinel` command group: one module per command group, added here."""

from __future__ import annotations

import click

from sentinel import __version__
from sentinel.build import core
from sentinel.cli.generate import dashboards, schema, slo_rules
from sentinel.cli.options import ENVIRONMENT_HELP, EXIT_CODES_HELP
from sentinel.cli.replay import replay
from sentinel.cli.rules import rules_group, validate
from sentinel.cli.run import run


@click.group(
    context_settings={"auto_envvar_prefix": "SENTINEL", "help_option_names": ["-h", "--help"]},
    epilog=f"{EXIT_CODES_HELP}\n\n{ENVIRONMENT_HELP}",
)
@click.version_option(
    __version__,
    prog_name="sentinel",
    message=f"%(prog)s, version %(version)s ({core()} core)",
)
def main() -> None:
    """Observability and safety guardrails for LLM traffic."""


for _command in (replay, run, validate, rules_group, schema, slo_rules, dashboards):
    main.add_command(_command)
