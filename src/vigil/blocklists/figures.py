"""The size of each blocklist over time: its published versions' entry counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.blocklists.models import Blocklist, BlocklistVersion


@dataclass(frozen=True)
class SizePoint:
    published_at: datetime
    serial: int
    entries: int


def sizes_over_time(session: Session) -> dict[str, list[SizePoint]]:
    """List name → its versions, oldest first (lists never published are left out)."""
    out: dict[str, list[SizePoint]] = {}
    rows = session.execute(
        select(
            Blocklist.name,
            BlocklistVersion.published_at,
            BlocklistVersion.serial,
            BlocklistVersion.entry_count,
        )
        .join(Blocklist, Blocklist.id == BlocklistVersion.list_id)
        .order_by(Blocklist.name, BlocklistVersion.serial)
    )
    for name, at, serial, entries in rows:
        out.setdefault(name, []).append(SizePoint(at, int(serial), int(entries)))
    return out
