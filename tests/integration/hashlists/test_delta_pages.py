"""Paged deltas: both ways of finding the changed media give the service's delta, and a small delta is
read through the version indexes rather than by walking the whole list (what keeps a peer's incremental
pull of a large list proportional to its changes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hashlists.helpers import fake_hashes
from vigil.formats.base import HashRecord
from vigil.formats.csv import CSV
from vigil.hashlists.lists import find_list
from vigil.hashlists.records.delta_pages import delta_page
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase


def _csv(path: Path, rows: list[tuple[str, int]]) -> Path:
    lines = ["md5,category,scheme"] + [f"{fake_hashes(seed)['md5']},{cat},vics-us" for seed, cat in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _paged(
    sessions: sessionmaker[Session], since: int, limit: int
) -> tuple[list[tuple[int, str | None]], list[str]]:
    items: list[tuple[int, str | None]] = []
    cursor: int | None = 0
    with sessions() as session, _statements(session) as seen:
        hash_list = find_list(session, "cat1")
        assert hash_list is not None
        while cursor is not None:
            page = delta_page(session, hash_list, since, 2, cursor, limit)
            assert len(page.items) <= limit
            items.extend((key, record.md5 if record else None) for key, record in page.items)
            cursor = page.next_cursor
    return items, seen


def _flat(delta: list[tuple[int, HashRecord | None]]) -> list[tuple[int, str | None]]:
    return [(key, record.md5 if record else None) for key, record in delta]


def test_delta_pages_read_a_small_delta_through_the_version_indexes(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    hashdb.import_file(_csv(tmp_path / "1.csv", [(f"m{i}", 1) for i in range(40)]), CSV, "H")
    hashdb.create_list("cat1", "H", SelectionRules(categories=("vics-us:1",)))
    assert hashdb.publish("cat1").entries == 40
    # Version 2: three new, two recategorised out (H changes its mind), one changed (a SHA-256 learnt).
    changes = [(f"new{i}", 1) for i in range(3)] + [("m5", 2), ("m30", 2)]
    hashdb.import_file(_csv(tmp_path / "2.csv", changes), CSV, "H")
    known = tmp_path / "3.csv"
    known.write_text(f"md5,sha256\n{fake_hashes('m17')['md5']},{fake_hashes('m17')['sha256']}\n")
    hashdb.import_file(known, CSV, "Other")
    v2 = hashdb.publish("cat1")
    assert (v2.added, v2.removed, v2.changed) == (3, 2, 1)

    for since in (0, 1, 2):
        expected = _flat(hashdb.delta("cat1", since=since, until=2))
        for limit in (2, 5, 100):
            items, seen = _paged(sessions, since, limit)
            assert items == expected, (since, limit)
            walked = any("GROUP BY hash_list_entries.media_id" in s for s in seen)
            # From version 1: 6 media, 8 rows, under the bound (4 pages' worth): the list is not walked.
            # From nothing: 45 rows, past the bound of pages of 2 and 5 (pages of 100 read them whole).
            assert walked == (since == 0 and limit < 100), (since, limit, walked)
    changed = dict(_flat(hashdb.delta("cat1", since=1, until=2)))
    assert changed[next(k for k, v in changed.items() if v == fake_hashes("m17")["md5"])] is not None
    assert sum(v is None for v in changed.values()) == 2
