"""Cross-referencing two lists (a force's domestic set against the shared database, as with ICSE)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.formats.base import HashRecord
from vigil.hashlists.catalog import Catalog
from vigil.hashlists.lists import latest_version
from vigil.hashlists.models import HashList, Media
from vigil.hashlists.publish import version_entries
from vigil.hashlists.selection import Selector


@dataclass
class Comparison:
    a: str
    b: str
    #: which content was compared: "version N" or "current selection"
    a_source: str
    b_source: str
    both: list[int] = field(default_factory=list)
    only_a: list[int] = field(default_factory=list)
    only_b: list[int] = field(default_factory=list)


def _content(session: Session, catalog: Catalog, hash_list: HashList) -> tuple[set[int], str]:
    """Media ids of the latest published version, or of the current selection if never published."""
    latest = latest_version(session, hash_list)
    if latest is not None:
        ids = {media_id for media_id, _ in version_entries(session, hash_list, latest.version)}
        return ids, f"version {latest.version}"
    return {media_id for media_id, _ in Selector(session, catalog, hash_list).current()}, "current selection"


def compare_lists(session: Session, catalog: Catalog, a: HashList, b: HashList) -> Comparison:
    """Media (one item per shared hash) in both lists, only in A, only in B."""
    ids_a, source_a = _content(session, catalog, a)
    ids_b, source_b = _content(session, catalog, b)
    return Comparison(
        a.name,
        b.name,
        source_a,
        source_b,
        sorted(ids_a & ids_b),
        sorted(ids_a - ids_b),
        sorted(ids_b - ids_a),
    )


def describe_media(session: Session, ids: Iterable[int]) -> list[HashRecord]:
    wanted = list(ids)
    rows = session.execute(select(Media.id, Media.sha256, Media.md5, Media.sha1).where(Media.id.in_(wanted)))
    by_id = {row.id: HashRecord(sha256=row.sha256, md5=row.md5, sha1=row.sha1) for row in rows}
    return [by_id[i] for i in wanted if i in by_id]
