"""The private set intersection's protocol in one process (the responder's session files, both
journals, refusals), on SQLite and PostgreSQL; over HTTP between served instances: tests/e2e."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.federation.holdings import two_holdings, write_csv
from vigil.audit import journal
from vigil.audit.models import AuditEntry
from vigil.config import Settings
from vigil.db import migrate
from vigil.db.session import make_engine, make_session_factory
from vigil.errors import Conflict, NotFound
from vigil.federation.psi import POINT_BYTES, PsiError
from vigil.federation.psi_client import LocalTransport, compare, run
from vigil.federation.psi_responder import PsiResponder
from vigil.formats.registry import get_format
from vigil.hashlists.service import HashDatabase


def _import(sessions: sessionmaker[Session], path: Path) -> None:
    HashDatabase(sessions, "test").import_file(
        path, get_format("csv"), "Hotline", kind="hotline", country="FR"
    )


def _responder(sessions: sessionmaker[Session], root: Path, **kwargs: object) -> PsiResponder:
    options: dict[str, object] = {"max_items": 10_000, "ttl_seconds": 600.0, **kwargs}
    return PsiResponder(sessions, root, "api:peer-a", **options)  # type: ignore[arg-type]


def test_compare_learns_the_common_values_and_both_sides_journal(
    sessions: sessionmaker[Session], db_settings: Settings, tmp_path: Path
) -> None:
    a, b, both = two_holdings()
    # The responder's database is the fixture's (SQLite or PostgreSQL), the initiator's a SQLite file.
    _import(sessions, write_csv(tmp_path / "b.csv", b))
    mine = Settings(data_dir=tmp_path / "a", database_url=None)
    mine.data_dir.mkdir()
    migrate.upgrade(mine)
    engine = make_engine(mine)
    local = make_session_factory(engine)
    try:
        _import(local, write_csv(tmp_path / "a.csv", a))
        root = db_settings.data_dir / "psi"
        transport = LocalTransport(_responder(sessions, root, batch=16), peer="peer-a")
        result = compare("http://peer.test", "-", local, "cli:tester", transport=transport)
        by_set = {s.name: s for s in result.sets}
        assert set(by_set["sha256"].common) == {i.sha256 for i in both}
        assert set(by_set["md5"].common) == {i.md5 for i in both}
        assert by_set["sha1"].common == [] and by_set["sha1"].ours == 0
        assert by_set["series"].common == ["shared series"]
        assert (by_set["sha256"].ours, by_set["sha256"].theirs) == (len(a), len(b))
        assert by_set["series"].theirs == 2
        # The responder counted the same intersections without learning them, and forgot the session.
        assert {n: c.common for n, c in result.peer_counts.items()}["sha256"] == len(both)
        assert list(root.iterdir()) == []
        with local() as db:
            mine_entry = db.execute(
                select(AuditEntry).where(AuditEntry.action == "federation.psi.compare")
            ).scalar_one()
            assert journal.verify(db).ok
        details = json.loads(mine_entry.details)
        assert details["role"] == "initiator" and details["sets"]["sha256"]["common"] == len(both)
        with sessions() as db:
            theirs = db.execute(
                select(AuditEntry).where(AuditEntry.action == "federation.psi.compare")
            ).scalar_one()
        details = json.loads(theirs.details)
        assert details["role"] == "responder" and details["peer"] == "peer-a"
        assert details["sets"]["md5"] == {"ours": len(b), "theirs": len(a), "common": len(both)}
        # Wire: points and tags only (no value leaves either side in the clear).
        assert transport.wire.sent > 0 and transport.wire.received > 0
    finally:
        engine.dispose()


def test_responder_refuses_what_does_not_fit_the_session(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _, b, _ = two_holdings()
    _import(sessions, write_csv(tmp_path / "b.csv", b))
    responder = _responder(sessions, tmp_path / "psi", batch=8)
    started = responder.start("peer-a", {"md5": 2})
    assert started.sizes == {"md5": len(b)} and started.batch == 8
    with pytest.raises(NotFound):
        responder.reblind("someone-else", started.session, "md5", b"")
    with pytest.raises(PsiError, match="valid Ristretto255"):
        responder.reblind("peer-a", started.session, "md5", b"\xff" * POINT_BYTES)
    with pytest.raises(PsiError, match="whole number"):
        responder.reblind("peer-a", started.session, "md5", b"\x00" * 31)
    with pytest.raises(Conflict, match="does not compare"):
        responder.points("peer-a", started.session, "sha256", 0, 1)
    with pytest.raises(Conflict, match="not complete"):
        responder.finish("peer-a", started.session)
    with pytest.raises(PsiError, match="unknown set"):
        responder.start("peer-a", {"nope": 1})
    with pytest.raises(PsiError, match="0 to 10000"):
        responder.start("peer-a", {"md5": 10_001})


def test_sessions_are_bounded_and_expire(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    now = [1000.0]
    responder = _responder(sessions, tmp_path / "psi", max_sessions=1, clock=lambda: now[0])
    first = responder.start("peer-a", {"md5": 0})
    with pytest.raises(Conflict, match="too many"):
        responder.start("peer-a", {"md5": 0})
    now[0] += 601
    with pytest.raises(NotFound):
        responder.finish("peer-a", first.session)
    second = responder.start("peer-a", {"md5": 0})  # the expired one was swept (its scalar with it)
    assert [p.name for p in (tmp_path / "psi").iterdir()] == [second.session]


def test_an_empty_intersection_and_empty_sets(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    transport = LocalTransport(_responder(sessions, tmp_path / "psi"), peer="peer-a")
    _, results, counts = run(transport, {"md5": ["0" * 32], "series": []})
    assert [(r.name, r.ours, r.theirs, r.common) for r in results] == [
        ("md5", 1, 0, []),
        ("series", 0, 0, []),
    ]
    assert counts["md5"].common == 0
