"""Entry point of the ``vigil`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil import __version__
from vigil.cli import demo, hashing

app = typer.Typer(
    name="vigil",
    help="Vigil: hash, match and act on known abuse material; run a hotline; publish blocklists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("hash")(hashing.hash_command)
app.command("demo")(demo.demo_command)


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
