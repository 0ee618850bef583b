"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

Import the fixtures into a ``conftest.py`` of a test folder::

    from tests.db_fixtures import db_settings, sessions  # noqa: F401

PostgreSQL: the server on 127.0.0.1:5432 (``VIGIL_TEST_POSTGRES_URL`` overrides), user postgres or root,
database ``test`` used only to create this process's own database (``vigil_test_<pid>_<random>``),
migrated once and dropped at the end (or by the next run, if the process was killed), so that
concurrent runs and xdist workers never meet. Between tests
its tables are emptied and the rows the migrations seeded are put back. Without a server the PostgreSQL
half is skipped, and fails when ``CI`` is set. SQLite: each test copies a file migrated once per process.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.db.migrate import alembic_config
from vigil.db.session import engine_for_url, make_session_factory

DEFAULT_SERVERS = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)


@dataclass
class _Template:
    url: str
    #: rows the migrations seeded, by table, in an order that satisfies foreign keys
    seeds: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    metadata: MetaData | None = None
    engine: Engine | None = None


_TEMPLATES = pytest.StashKey[dict[str, "_Template | str"]]()


def _migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def _snapshot(template: _Template) -> None:
    engine = engine_for_url(template.url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r._mapping) for r in conn.execute(table.select())]
            if rows:
                template.seeds.append((table.name, rows))
    template.metadata = metadata
    engine.dispose()


def _admin_engine() -> tuple[Engine, str] | str:
    """An autocommit engine on the server's ``test`` database, or why there is none."""
    candidates = [os.environ["VIGIL_TEST_POSTGRES_URL"]] if os.environ.get("VIGIL_TEST_POSTGRES_URL") else []
    problems = []
    for url in candidates or list(DEFAULT_SERVERS):
        engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        try:
            with engine.connect():
                return engine, url
        except OperationalError as exc:
            problems.append(f"{make_url(url).render_as_string(hide_password=True)}: {exc.orig}")
            engine.dispose()
    return "; ".join(problems)


def _drop_orphans(engine: Engine) -> None:
    """Drop test databases left by test processes of this machine that died (killed runs)."""
    with engine.connect() as conn:
        names = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE 'vigil_test_%'")
        ).scalars()
        for name in list(names):
            pid = name.split("_")[2]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_template(config: pytest.Config) -> _Template | str:
    templates = config.stash.setdefault(_TEMPLATES, {})
    if "postgresql" not in templates:
        admin = _admin_engine()
        if isinstance(admin, str):
            templates["postgresql"] = f"PostgreSQL server not available: {admin}"
            return templates["postgresql"]
        engine, admin_url = admin
        _drop_orphans(engine)
        name = f"vigil_test_{os.getpid()}_{secrets.token_hex(4)}"
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            # A throwaway database: no need to wait for the disk at every commit.
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')

        def drop() -> None:
            template = templates.get("postgresql")
            if isinstance(template, _Template) and template.engine is not None:
                template.engine.dispose()
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            engine.dispose()

        config.add_cleanup(drop)
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        template = _Template(url)
        _snapshot(template)
        template.engine = create_engine(url)
        templates["postgresql"] = template
    return templates["postgresql"]


def _sqlite_template(config: pytest.Config) -> _Template:
    templates = config.stash.setdefault(_TEMPLATES, {})
    if "sqlite" not in templates:
        folder = Path(tempfile.mkdtemp(prefix="vigil-test-sqlite-"))
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        url = f"sqlite:///{folder / 'template.sqlite3'}"
        _migrate(url)
        templates["sqlite"] = _Template(url)
    template = templates["sqlite"]
    assert isinstance(template, _Template)
    return template


def _reset_postgres(template: _Template) -> None:
    """Empty every table and put back the seeded rows.

    DELETE, not TRUNCATE: on tables this small TRUNCATE costs half a second (new files, fsync) where
    DELETE costs milliseconds. Sequences are left alone: they are past the seeded ids already. The
    journal refuses DELETE (append-only trigger), so it alone is truncated.
    """
    assert template.engine is not None and template.metadata is not None
    with template.engine.begin() as conn:
        for table in reversed(template.metadata.sorted_tables):
            if table.name == "audit_entries":
                conn.execute(text("TRUNCATE audit_entries"))
            elif table.name != "alembic_version":
                conn.execute(table.delete())
        for name, rows in template.seeds:
            conn.execute(insert(template.metadata.tables[name]), rows)


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings of an upgraded, empty database (shipped seed data only), on each backend in turn."""
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        template = _sqlite_template(request.config)
        source = make_url(template.url).database
        assert source is not None
        data_dir.mkdir()
        shutil.copyfile(source, data_dir / "vigil.sqlite3")
        return Settings(data_dir=data_dir, database_url=None)
    pg = _postgres_template(request.config)
    if isinstance(pg, str):
        if in_ci():
            pytest.fail(pg)
        pytest.skip(pg)
    _reset_postgres(pg)
    return Settings(data_dir=data_dir, database_url=pg.url)


@pytest.fixture
def sessions(db_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = engine_for_url(db_settings.sqlalchemy_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def db_env(db_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The same database for code that builds its own Settings (the CLI, subprocesses)."""
    monkeypatch.setenv("VIGIL_DATA_DIR", str(db_settings.data_dir))
    if db_settings.database_url:
        monkeypatch.setenv("VIGIL_DATABASE_URL", db_settings.database_url)
    else:
        monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    return db_settings
