"""``vigil db``: create or upgrade the database schema; and the database opening the other commands share."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from vigil.cli.state import settings_of
from vigil.config import Settings
from vigil.db import migrate
from vigil.db.session import make_engine, make_session_factory

app = typer.Typer(name="db", help="Database schema: create and upgrade.", no_args_is_help=True)


def cli_actor() -> str:
    """Who is acting, for the audit journal: the operating-system user of the command."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = os.environ.get("USER", "unknown")
    return f"cli:{user}"


def open_database(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the configured database, refused (``DatabaseNotReadyError``) when it is not upgraded."""
    engine = make_engine(settings)
    migrate.require_head(engine, settings.sqlalchemy_url)
    return make_session_factory(engine)


@app.command("upgrade")
def upgrade_command(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create the database, or bring it to the latest schema (SQLite file in the data folder by default)."""
    settings = settings_of(ctx)
    migrate.upgrade(settings, revision)
    engine = make_engine(settings)
    try:
        typer.echo(f"database at revision {migrate.current_revision(engine)}")
    finally:
        engine.dispose()


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Print the database's schema revision and the latest one."""
    settings = settings_of(ctx)
    engine = make_engine(settings)
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    typer.echo(f"current {current or 'none'}, latest {migrate.head_revision(settings.sqlalchemy_url)}")
