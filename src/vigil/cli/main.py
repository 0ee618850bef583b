"""Entry point of the ``vigil`` command.

Sub-commands are imported when they are called, not at start-up: the hash database, the web stack and the
numba kernels together take about a second to import, which every ``vigil hash`` would otherwise pay.

This is also the one place where errors become exit codes: a :class:`~vigil.errors.VigilError` is the
user's to fix and ends the command with ``error: <message>`` and the code of its category
(:data:`EXIT_CODES`); a database lock held too long ends it with :data:`EXIT_BUSY`; any other exception is a
programming error and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from vigil import __version__
from vigil.cli.state import CliState
from vigil.errors import Conflict, Invalid, NotFound, Unavailable, VigilError, category

#: Exit status of a command that met a database lock held too long by another process (EX_TEMPFAIL).
EXIT_BUSY = 75
BUSY_MESSAGE = "the database is busy: another process held a lock too long; try again"
#: Exit status of each error category: 2 as for a usage error when the input is refused, the temporary
#: failure of sysexits when something is not ready, 1 otherwise.
EXIT_CODES: dict[type[VigilError], int] = {NotFound: 1, Conflict: 1, Invalid: 2, Unavailable: EXIT_BUSY}


def _app(module: str, attr: str = "app") -> Callable[[], typer.Typer]:
    return lambda: getattr(importlib.import_module(f"vigil.cli.{module}"), attr)


def _command(module: str, attr: str) -> Callable[[], Callable[..., Any]]:
    return lambda: getattr(importlib.import_module(f"vigil.cli.{module}"), attr)


def _stats() -> typer.Typer:
    from vigil.cli import stats, takedown

    if not any(c.name == "takedown" for c in stats.app.registered_commands):
        stats.app.command("takedown")(takedown.takedown_command)
    return stats.app


#: Name → how to load it, in the order ``vigil --help`` lists them.
COMMANDS: dict[str, Callable[[], Callable[..., Any]]] = {
    "hash": _command("hashing", "hash_command"),
    "demo": _command("demo", "demo_command"),
    "scan": _command("scan", "scan_command"),
    "serve": _command("serve", "serve_command"),
    "demo-seed": _command("seed", "seed_command"),
}
GROUPS: dict[str, Callable[[], typer.Typer]] = {
    "index": _app("index"),
    "db": _app("db"),
    "lists": _app("lists"),
    "stats": _stats,
    "hotline": _app("hotline"),
    "audit": _app("audit"),
    "blocklist": _app("blocklist"),
    "keywords": _app("keywords"),
    "users": _app("users"),
    "tokens": _app("users", "tokens_app"),
    "psi": _app("psi"),
    "exchanges": _app("exchanges"),
    "peers": _app("peers"),
}


class LazyGroup(TyperGroup):
    # ``ctx`` and the command are of typer's private copy of click, which offers no public name for them.
    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *GROUPS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in COMMANDS:
            single = typer.Typer()
            single.command(cmd_name)(COMMANDS[cmd_name]())
            command = typer.main.get_command(single)
        elif cmd_name in GROUPS:
            command = typer.main.get_group(GROUPS[cmd_name]())
        else:
            return None
        command.name = cmd_name
        return command

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except VigilError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exit_code(exc)) from None
        except Exception as exc:
            # Only a command that loaded the database layer can meet a database error. Importing it
            # here for the others (``typer.Exit`` ends most commands) cost every `vigil hash` 0.4 s.
            if "sqlalchemy" not in sys.modules:
                raise
            from vigil.db.transient import is_transient

            if not is_transient(exc):
                raise
            typer.echo(
                "error: the database is busy: another process held a lock too long; try again", err=True
            )
            raise typer.Exit(EXIT_BUSY) from None


def exit_code(exc: VigilError) -> int:
    return EXIT_CODES[category(exc)]


app = typer.Typer(
    name="vigil",
    cls=LazyGroup,
    help="Vigil: hash, match and act on known abuse material; run a hotline; publish blocklists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vigil {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Vigil command line."""
    # The composition root of the process: settings and database, built once on first use (cli/state.py).
    ctx.obj = CliState()


def run() -> None:
    app()
