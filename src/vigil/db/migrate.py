"""Running the Alembic migrations from code (``vigil db upgrade``, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from vigil.config import Settings
from vigil.errors import Invalid

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str, settings: Settings | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Passed as an attribute, not an ini option: configparser would mangle '%' in passwords.
    config.attributes["url"] = url
    # For migrations that need more than the database (0010 seals secrets with the evidence key).
    if settings is not None:
        config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings.sqlalchemy_url, settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings.sqlalchemy_url), revision)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class DatabaseNotReadyError(Invalid):
    """The configured database cannot be opened, or is not at the latest migration: the set-up (settings,
    ``vigil db upgrade``) is the user's to fix, as a refused setting is."""


def require_head(engine: Engine, url: str) -> None:
    """Refuse a database that cannot be opened or is not at the latest migration."""
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise DatabaseNotReadyError(f"cannot open the database: {exc.orig}") from None
    head = head_revision(url)
    if current != head:
        raise DatabaseNotReadyError(
            f"the database is at revision {current or 'none'}, not {head}: run `vigil db upgrade`"
        )
