"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.config import Settings
from vigil.db import migrate
from vigil.db.base import load_models
from vigil.db.session import make_engine
from vigil.hashlists.models import (
    ClassificationScheme,
    Contributor,
    HashList,
    HashListEntry,
    Jurisdiction,
    Media,
    MediaSignal,
    Provenance,
    SchemeCategory,
)


@pytest.mark.slow
def test_schema_matches_models(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), load_models()
            )
            assert diff == []
        assert migrate.current_revision(engine) == migrate.head_revision(db_settings.sqlalchemy_url)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_downgrade_to_nothing_and_back(db_settings: Settings) -> None:
    config = migrate.alembic_config(db_settings.sqlalchemy_url)
    command.downgrade(config, "base")
    engine = make_engine(db_settings)
    try:
        assert migrate.current_revision(engine) is None
        command.upgrade(config, "head")
        assert migrate.current_revision(engine) == migrate.head_revision(db_settings.sqlalchemy_url)
    finally:
        engine.dispose()


def test_shipped_schemes_and_jurisdictions(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        schemes = {s.name: s for s in session.execute(select(ClassificationScheme)).scalars()}
        assert set(schemes) == {"vics-us", "uk-caid", "interpol-baseline"}
        assert schemes["uk-caid"].votes_required == 3
        codes = session.execute(
            select(SchemeCategory.code).where(SchemeCategory.scheme_id == schemes["vics-us"].id)
        ).scalars()
        assert set(codes) == {"0", "1", "2", "3", "4"}
        caid = session.execute(
            select(SchemeCategory.code).where(SchemeCategory.scheme_id == schemes["uk-caid"].id)
        ).scalars()
        assert set(caid) == {"A", "B", "C", "not-indecent"}
        assert session.execute(select(func.count()).select_from(Jurisdiction)).scalar_one() == 3


def test_sqlite_pragmas(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    try:
        with engine.connect() as conn:
            if conn.dialect.name != "sqlite":
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
                return
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        engine.dispose()


def test_cli_upgrade(db_env: Settings) -> None:
    head = migrate.head_revision(db_env.sqlalchemy_url)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"revision {head}" in result.output
    result = CliRunner().invoke(app, ["db", "current"])
    assert f"current {head}, latest {head}" in result.output


def test_cli_upgrade_creates_a_new_sqlite_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    runner = CliRunner()
    result = runner.invoke(app, ["lists", "show"])
    assert result.exit_code == 2
    assert "vigil db upgrade" in result.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "fresh" / "vigil.sqlite3").is_file()
    assert runner.invoke(app, ["lists", "show"]).exit_code == 0


@pytest.mark.slow
def test_pdq_regions_values_gain_and_lose_the_85_percent_region(db_settings: Settings) -> None:
    """0016: a three-region value is read as four with the new region flat, digest recomputed; the
    downgrade drops that region again."""
    whole, seventy, fifty, eighty_five = "1" * 64, "2" * 64, "3" * 64, "4" * 64
    engine = make_engine(db_settings)
    try:
        with Session(engine) as session:
            contributor = Contributor(name="lab", kind="hotline")
            session.add(contributor)
            session.flush()
            provenance = Provenance(contributor_id=contributor.id, source="t", actor="t")
            session.add(provenance)
            session.flush()
            media = Media(sha256="a" * 64, contributor_id=contributor.id, provenance_id=provenance.id)
            session.add(media)
            session.flush()
            four = whole + eighty_five + seventy + fifty
            for kind, text_value in (("pdq_regions", four), ("pdq", "5" * 64)):
                digest = hashlib.sha256(text_value.encode()).hexdigest()
                session.add(
                    MediaSignal(
                        media_id=media.id,
                        signal_type=kind,
                        value=text_value,
                        digest=digest,
                        provenance_id=provenance.id,
                    )
                )
            session.commit()
        config = migrate.alembic_config(db_settings.sqlalchemy_url)

        def stored() -> dict[str, tuple[str, str]]:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT signal_type, value, digest FROM media_signals")).all()
            return {kind: (v, d) for kind, v, d in rows}

        command.downgrade(config, "0015")
        assert stored()["pdq_regions"][0] == whole + seventy + fifty
        command.upgrade(config, "head")
        after = stored()
        assert after["pdq_regions"] == (
            whole + "0" * 64 + seventy + fifty,
            hashlib.sha256((whole + "0" * 64 + seventy + fifty).encode()).hexdigest(),
        )
        assert after["pdq"][0] == "5" * 64
    finally:
        engine.dispose()


@pytest.mark.slow
def test_published_entries_gain_their_items_mime_type(db_settings: Settings) -> None:
    """0017: ``hash_list_entries.mime_type`` is added and filled from the entry's media row where that
    knows one (the others stay empty); the downgrade drops the column and keeps the entries."""
    video, photo = "c" * 64, "a" * 64
    engine = make_engine(db_settings)
    try:
        with Session(engine) as session:
            contributor = Contributor(name="lab", kind="hotline")
            session.add(contributor)
            session.flush()
            provenance = Provenance(contributor_id=contributor.id, source="t", actor="t")
            session.add(provenance)
            session.flush()
            hash_list = HashList(name="L", provenance_id=provenance.id)
            media = [
                Media(
                    sha256=sha256, mime_type=mime, contributor_id=contributor.id, provenance_id=provenance.id
                )
                for sha256, mime in ((video, "video/mp4"), (photo, None))
            ]
            session.add_all([*media, hash_list])
            session.flush()
            # As a version published before 0017 left them: entries without a MIME type.
            session.add_all(
                HashListEntry(list_id=hash_list.id, media_id=m.id, added_in=1, sha256=m.sha256) for m in media
            )
            session.commit()
        config = migrate.alembic_config(db_settings.sqlalchemy_url)
        entries = "SELECT * FROM hash_list_entries ORDER BY sha256"

        command.downgrade(config, "0016")
        with engine.connect() as conn:
            result = conn.execute(text(entries))
            assert "mime_type" not in list(result.keys()) and len(result.all()) == 2
        command.upgrade(config, "head")
        with engine.connect() as conn:
            after = conn.execute(
                text("SELECT sha256, mime_type FROM hash_list_entries ORDER BY sha256")
            ).all()
        assert [tuple(row) for row in after] == [(photo, None), (video, "video/mp4")]
    finally:
        engine.dispose()
