"""Benign figures for the dashboards: generated hashes, cases on example hosts, a blocklist, lookups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hashlists.helpers import vics_media, write_vics
from vigil.blocklists.models import Blocklist, BlocklistVersion
from vigil.formats.vics import VICS
from vigil.hashlists.service import HashDatabase
from vigil.hotline.models import Case, Hosting, Notice

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def seed_hashdb(sessions: sessionmaker[Session], tmp: Path) -> HashDatabase:
    """Two contributors (NL police, GB hotline); victims identified 10, 11, 11 in 2022-2024."""
    db = HashDatabase(sessions, "test")
    db.add_contributor("VID unit", "law_enforcement", "NL")
    db.add_contributor("Hotline GB", "hotline", "GB")
    police = [vics_media(f"p{i}", 1, Series="Series A") for i in range(5)]
    db.import_file(write_vics(tmp / "police.json", police), VICS, "VID unit")
    hotline = [vics_media(f"h{i}", 1) for i in range(3)] + [vics_media("p0", 2)]
    db.import_file(write_vics(tmp / "hotline.json", hotline), VICS, "Hotline GB")
    for year, n in {2022: 10, 2023: 11, 2024: 11}.items():
        for k in range(n):
            victim = db.add_victim("Series A", f"victim {year}-{k}", "VID unit")
            db.identify_victim(victim, date(year, 3, 1), "VID unit")
    return db


def seed_cases(sessions: sessionmaker[Session]) -> None:
    """Cases reported in 2024 and 2025 on hosts in NL and US; removal after 1 day, 5 days, or never."""
    plan = [
        # (reported, hours to removal or None, host, country)
        (datetime(2024, 5, 1, tzinfo=UTC), 24, "fast.example", "NL"),
        (datetime(2024, 5, 2, tzinfo=UTC), 120, "slow.example", "US"),
        (datetime(2025, 5, 1, tzinfo=UTC), 24, "fast.example", "NL"),
        (datetime(2025, 5, 2, tzinfo=UTC), 36, "fast.example", "NL"),
        (datetime(2025, 5, 3, tzinfo=UTC), None, "slow.example", "US"),
    ]
    with sessions() as session, session.begin():
        for i, (at, hours, host, country) in enumerate(plan):
            closed = None if hours is None else at + timedelta(hours=hours)
            case = Case(
                url=f"http://{host}/{i}",
                url_sha256=f"{i:064x}",
                host=host,
                state="removed" if closed else "notified",
                opened_at=at,
                closed_at=closed,
            )
            session.add(case)
            session.flush()
            session.add(
                Hosting(case_id=case.id, resolved_at=at, hostname=host, country=country, source="directory")
            )
            session.add(
                Notice(
                    case_id=case.id,
                    kind="host",
                    channel="email",
                    recipient=f"abuse@{host}",
                    sequence=1,
                    subject="notice",
                    body="",
                    status="sent",
                    created_at=at,
                    sent_at=at,
                )
            )


def seed_blocklist(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        bl = Blocklist(name="urls", kind="url", created_by="test", created_at=NOW)
        session.add(bl)
        session.flush()
        for serial, (month, entries) in enumerate([(1, 10), (3, 14), (5, 12)], 1):
            session.add(
                BlocklistVersion(
                    list_id=bl.id,
                    serial=serial,
                    published_at=datetime(2026, month, 2, tzinfo=UTC),
                    published_by="test",
                    entry_count=entries,
                    added_count=0,
                    removed_count=0,
                    digest="0" * 64,
                )
            )
