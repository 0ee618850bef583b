"""What one ``vigil`` process builds once and hands to every command: the composition root of the CLI.

The root callback (``cli/main.py``) puts a :class:`CliState` into typer's context (``ctx.obj``); a command
asks it for the settings and the database instead of building its own. Both are built on first use, so
that ``vigil hash`` never opens a database and a broken ``VIGIL_*`` variable does not stop ``--help``.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import typer

from vigil.errors import Invalid

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from vigil.config import Settings


class SettingsError(Invalid):
    """A ``VIGIL_*`` variable holds a value the settings refuse."""


class CliState:
    @cached_property
    def settings(self) -> Settings:
        # Imported here: pydantic-settings is not loaded by ``vigil --version``.
        from pydantic import ValidationError

        from vigil.config import Settings

        try:
            return Settings()
        except ValidationError as exc:
            problems = "; ".join(
                f"VIGIL_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
            )
            raise SettingsError(f"invalid settings: {problems}") from None

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the configured database, refused when it is not at the latest migration."""
        from vigil.cli.db import open_database

        return open_database(self.settings)


def state(ctx: typer.Context) -> CliState:
    """The process's state; made here when a sub-app runs without the root callback (tests do that)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def settings_of(ctx: typer.Context) -> Settings:
    return state(ctx).settings


def sessions_of(ctx: typer.Context) -> sessionmaker[Session]:
    return state(ctx).sessions
