"""`sentinel validate` and `sentinel rules init`: check and start rules directories."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sentinel.cli.options import EXIT_RULES
from sentinel.errors import RulesError
from sentinel.rules.loader import check_rules, write_default_rules


@click.command()
@click.argument("rules_dir", type=click.Path(file_okay=False), required=False)
@click.option(
    "--env/--no-env",
    "check_env",
    default=True,
    show_default=True,
    help="Check that every ${VAR} a rules field expands is set in this environment.",
)
def validate(rules_dir: str | None, check_env: bool) -> None:
    """Check every rules file in RULES_DIR (default: the packaged rules).

    Lists every problem of every file as FILE:LINE: error|warning: FIELD: MESSAGE, with a
    "did you mean" for unknown keys; exits 3 if there is any error.
    """
    try:
        rules, problems = check_rules(
            None if rules_dir is None else Path(rules_dir),
            environ=os.environ if check_env else None,
        )
    except RulesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_RULES)
    for problem in problems:
        click.echo(str(problem), err=True)
    if rules is None:
        errors = sum(1 for p in problems if not p.warning)
        files = len({p.file for p in problems if not p.warning})
        click.echo(f"{errors} error(s) in {files} file(s)", err=True)
        sys.exit(EXIT_RULES)
    for kind, source in sorted(rules.sources.items()):
        state = "default" if kind in rules.defaults else "ok"
        click.echo(f"{state:<8}{kind:<14}{source}")
    given = len(rules.sources) - len(rules.defaults)
    click.echo(f"{given} rules file(s) valid, {len(rules.defaults)} kind(s) from packaged defaults")


@click.group("rules")
def rules_group() -> None:
    """Work with rules directories."""


@rules_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace files that already exist.")
def rules_init(directory: str, force: bool) -> None:
    """Write an editable copy of the packaged default rules into DIRECTORY."""
    try:
        written = write_default_rules(Path(directory), overwrite=force)
    except RulesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_RULES)
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} rules file(s) written; use them with --rules {directory}")
