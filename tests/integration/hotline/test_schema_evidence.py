"""The hotline's migration matches its models; evidence is sealed at rest with chain of custody."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import (
    T0,
    hotline_settings,
    make_hotline,
    seed_known,
    smtp_server,
    write_directory,
    write_images,
)
from tests.integration.hotline.servers import Page, StubResolver, http_site
from vigil.audit.models import AuditEntry
from vigil.config import Settings
from vigil.db.base import load_models
from vigil.db.session import make_engine
from vigil.hotline.clock import ManualClock
from vigil.hotline.evidence import EvidenceError, EvidenceVault, load_key
from vigil.hotline.models import Evidence, Report
from vigil.hotline.service import HotlineService


def test_hotline_tables_match_the_migration(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), load_models()
            )
        assert [d for d in diff if "hotline" in repr(d)] == []
    finally:
        engine.dispose()


def test_vault_seals_and_binds(tmp_path: Path) -> None:
    vault = EvidenceVault(tmp_path / "ev", os.urandom(32))
    sealed = vault.store(7, b"picture bytes", {"sha256": "ab" * 32})
    raw = (tmp_path / "ev" / sealed.blob).read_bytes()
    assert b"picture bytes" not in raw
    assert stat.S_IMODE((tmp_path / "ev" / sealed.blob).stat().st_mode) == 0o600
    assert vault.read(7, sealed.blob, sealed.blob_sha256) == b"picture bytes"
    assert vault.signals(7, sealed.blob, sealed.sealed_signals) == {"sha256": "ab" * 32}
    with pytest.raises(EvidenceError, match="another case"):
        vault.read(8, sealed.blob)  # moved to another case
    tampered = bytearray(raw)
    tampered[-1] ^= 1
    (tmp_path / "ev" / sealed.blob).write_bytes(bytes(tampered))
    with pytest.raises(EvidenceError, match="not the file that was captured"):
        vault.read(7, sealed.blob, sealed.blob_sha256)
    with pytest.raises(EvidenceError, match="altered"):
        vault.read(7, sealed.blob)
    other = EvidenceVault(tmp_path / "ev", os.urandom(32))
    with pytest.raises(EvidenceError, match="sealed with key"):
        other.unseal(raw, "x")


def test_key_from_settings_or_file(tmp_path: Path) -> None:
    key = os.urandom(32)
    assert load_key(Settings(data_dir=tmp_path, hotline_evidence_key=base64.b64encode(key).decode())) == key
    made = load_key(Settings(data_dir=tmp_path))
    path = tmp_path / "keys" / "evidence.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(Settings(data_dir=tmp_path)) == made
    with pytest.raises(EvidenceError, match="32 bytes"):
        load_key(Settings(data_dir=tmp_path, hotline_evidence_key=base64.b64encode(b"short").decode()))


@pytest.mark.slow
def test_capture_is_sealed_and_in_the_custody_chain(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    images = write_images(tmp_path / "img", [41])
    seed_known(sessions, tmp_path, images)
    data = images[0].read_bytes()
    with http_site() as site, smtp_server() as inbox:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        hl = make_hotline(settings, sessions, ManualClock(T0), StubResolver({"good.example": ["127.0.0.1"]}))
        service = HotlineService(hl, "api:analyst")
        url = site.put("good.example", "/k.jpg", Page(body=data))
        case_id = service.submit(url, contact="reporter@mail.example").case_id
        assert service.process(case_id) == "notified"
    with sessions() as session:
        evidence = session.execute(select(Evidence).where(Evidence.case_id == case_id)).scalar_one()
        report = session.execute(select(Report).where(Report.case_id == case_id)).scalar_one()
        # The database holds neither the content's hashes nor the reporter's address in clear.
        row = repr([getattr(evidence, c) for c in ("sealed_signals", "blob", "blob_sha256")])
        assert hashlib.sha256(data).hexdigest() not in row
        assert report.reporter_contact is not None and "reporter@" not in report.reporter_contact
    assert service.evidence_bytes(evidence.id) == data
    assert service.reporter_contact(report.id) == "reporter@mail.example"
    with sessions() as session:
        actions = [
            (e.action, e.subject)
            for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
            if e.action.startswith("hotline.evidence")
        ]
    assert actions == [
        ("hotline.evidence.capture", f"case/{case_id}"),
        ("hotline.evidence.open", f"case/{case_id}"),
    ]
    files = list((settings.data_dir / "evidence").iterdir())
    assert len(files) == 1 and data not in files[0].read_bytes()
