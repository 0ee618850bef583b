"""Entry point of the ``vigil`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil import __version__
from vigil.cli import audit as audit_cli
from vigil.cli import blocklist as blocklist_cli
from vigil.cli import db as db_cli
from vigil.cli import demo, hashing
from vigil.cli import hotline as hotline_cli
from vigil.cli import index as index_cli
from vigil.cli import keywords as keywords_cli
from vigil.cli import lists as lists_cli
from vigil.cli import scan as scan_cli
from vigil.cli import seed as seed_cli
from vigil.cli import serve as serve_cli
from vigil.cli import stats as stats_cli
from vigil.cli import takedown as takedown_cli
from vigil.cli import users as users_cli

app = typer.Typer(
    name="vigil",
    help="Vigil: hash, match and act on known abuse material; run a hotline; publish blocklists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("hash")(hashing.hash_command)
app.command("demo")(demo.demo_command)
app.command("scan")(scan_cli.scan_command)
app.add_typer(index_cli.app, name="index")
app.add_typer(db_cli.app)
app.add_typer(lists_cli.app)
app.add_typer(stats_cli.app)
stats_cli.app.command("takedown")(takedown_cli.takedown_command)
app.add_typer(hotline_cli.app)
app.add_typer(audit_cli.app)
app.add_typer(blocklist_cli.app)
app.add_typer(keywords_cli.app)
app.add_typer(users_cli.app)
app.add_typer(users_cli.tokens_app)
app.command("serve")(serve_cli.serve_command)
app.command("demo-seed")(seed_cli.seed_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vigil {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Vigil command line."""


def run() -> None:
    app()
