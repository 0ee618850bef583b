"""The console's hash-list pages at scale: a list of 1 M entries whose version 2 changed 10,000 of them
(a third changed, a third removed, a third added). Timed through the whole app in process, one request
at a time: the list's page, the diff of versions 1 and 2 (every change counted, the first 500 shown
with both forms) and an md5sum export of version 2, streamed.

Peers in the same run: the API's delta from version 1 to 2 fetched whole, page after page of 10,000
(what a consumer reads to learn the same changes: the diff's floor, as the diff is that delta plus each
changed entry's older form), and the API's export of the same version and format.

The data (benign, made up: hashes of counters, no content) is built once with bulk inserts into
``bench/.cache/list_pages/`` and reused; ``--entries`` and ``--changes`` make a smaller run.
Run as ``python -m bench list_pages`` (it takes the machine-wide benchmark lock).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, insert, update

BENCH_DIR: Final = Path(__file__).resolve().parent
CACHE_DIR: Final = BENCH_DIR / ".cache" / "list_pages"
CHUNK: Final = 20_000
START: Final = datetime(2025, 1, 1, tzinfo=UTC)


def _bulk(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            with engine.begin() as conn:
                conn.execute(insert(table), batch)
            batch = []
    if batch:
        with engine.begin() as conn:
            conn.execute(insert(table), batch)


def _sha(i: int) -> str:
    return hashlib.sha256(i.to_bytes(8, "big")).hexdigest()


def _md5(i: int) -> str:
    return hashlib.md5(i.to_bytes(8, "big"), usedforsecurity=False).hexdigest()


def build(engine: Engine, entries: int, changes: int) -> None:
    """Media 1..entries+changes/3; version 1 holds the first ``entries``; version 2 changes the
    category of changes/3 of them, removes changes/3 and adds the changes/3 media beyond."""
    from vigil.hashlists.models import (
        Contributor,
        HashList,
        HashListEntry,
        HashListVersion,
        Media,
        Provenance,
    )

    third = changes // 3
    with engine.begin() as conn:
        conn.execute(
            insert(Contributor).values(id=1, name="Bench", kind="hotline", country="GB", created_at=START)
        )
        conn.execute(
            insert(Provenance).values(id=1, contributor_id=1, source="bench", actor="bench", created_at=START)
        )
        conn.execute(
            insert(HashList).values(
                id=1, name="bench", description="", rules={}, recipients=[], created_at=START, provenance_id=1
            )
        )
    total = entries + third
    _bulk(
        engine,
        Media.__table__,
        (
            {
                "id": i,
                "sha256": _sha(i),
                "md5": _md5(i),
                "size": 1000 + i % 50_000,
                "mime_type": "image/jpeg",
                "first_seen": START,
                "contributor_id": 1,
                "provenance_id": 1,
            }
            for i in range(1, total + 1)
        ),
    )

    def entry(i: int, version: int, category: str) -> dict[str, Any]:
        return {
            "list_id": 1,
            "media_id": i,
            "added_in": version,
            "removed_in": None,
            "sha256": _sha(i),
            "md5": _md5(i),
            "sha1": None,
            "size": 1000 + i % 50_000,
            "signals": {},
            "category": category,
            "scheme": "vics-us",
        }

    _bulk(engine, HashListEntry.__table__, (entry(i, 1, "1") for i in range(1, entries + 1)))
    changed = range(1, third + 1)
    removed = range(third + 1, 2 * third + 1)
    table = HashListEntry.__table__
    ent = HashListEntry
    with engine.begin() as conn:
        conn.execute(update(ent).where(ent.media_id <= 2 * third, ent.added_in == 1).values(removed_in=2))
    _bulk(engine, table, (entry(i, 2, "2") for i in changed))
    _bulk(engine, table, (entry(i, 2, "1") for i in range(entries + 1, total + 1)))
    with engine.begin() as conn:
        for version, count, added, gone in ((1, entries, entries, 0), (2, entries, third, len(removed))):
            conn.execute(
                insert(HashListVersion).values(
                    list_id=1,
                    version=version,
                    published_at=START,
                    published_by="bench",
                    entry_count=count,
                    added_count=added,
                    removed_count=gone,
                    digest="0" * 64,
                )
            )


def prepare(entries: int, changes: int) -> Path:
    """A data folder (built once) with the database migrated and filled."""
    from vigil.config import Settings
    from vigil.db import migrate
    from vigil.db.session import make_engine

    folder = CACHE_DIR / f"e{entries}-c{changes}"
    if (folder / "ready").exists():
        return folder
    if folder.exists():
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    folder.mkdir(parents=True)
    settings = Settings(data_dir=folder)
    migrate.upgrade(settings)
    engine = make_engine(settings)
    start = time.perf_counter()
    try:
        build(engine, entries, changes)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    print(f"built a list of {entries:,} entries, {changes:,} changes in {time.perf_counter() - start:.0f} s")
    (folder / "ready").write_text("ok\n")
    return folder


def _timed(call: Callable[[], None], n: int) -> list[float]:
    call()  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.list_pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=5, help="Measured requests per page.")
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from vigil.auth import totp
    from vigil.auth.console import ConsoleAuth
    from vigil.auth.secret_seal import SecretSeal
    from vigil.auth.service import UserService
    from vigil.config import Settings
    from vigil.db.session import make_engine, make_session_factory
    from vigil.hotline.evidence import load_key
    from vigil.web.app import create_app
    from vigil.web.console.guard import COOKIE

    folder = prepare(args.entries, args.changes)
    settings = Settings(data_dir=folder, api_rate_per_second=0)
    engine = make_engine(settings)
    sessions = make_session_factory(engine)
    name = f"bench-{int(time.time())}"
    token = UserService(sessions, "bench").add_user(name, "analyst").secret
    auth = ConsoleAuth(sessions, seal=SecretSeal(load_key(settings)))
    auth.set_password(name, "bench password, long enough", "bench")
    secret = totp.new_secret()
    auth.enrol_totp(name, secret, "bench")
    cookie = auth.second_factor(
        auth.sign_in(name, "bench password, long enough"), totp.code_at(secret, datetime.now(UTC))
    )
    api = {"Authorization": f"Bearer {token}"}

    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        client.cookies.set(COOKIE, cookie, path="/console")

        def get(path: str, **params: Any) -> Callable[[], None]:
            def call() -> None:
                response = client.get(path, params=params, headers=api if path.startswith("/api") else None)
                assert response.status_code == 200, (path, response.status_code, response.text[:200])
                response.read()

            return call

        def api_delta() -> None:
            cursor = 0
            while True:
                page = client.get(
                    "/api/v1/lists/bench/delta",
                    params={"since": 1, "until": 2, "cursor": cursor, "limit": 10_000},
                    headers=api,
                )
                assert page.status_code == 200, page.text[:200]
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    return

        runs = {
            "console list page": get("/console/lists/bench"),
            "console diff v1..v2": get("/console/lists/bench/diff", old=1, new=2),
            "API delta v1..v2, all pages (peer)": api_delta,
            "console export md5sum v2": get("/console/lists/bench/export", format="md5sum", version=2),
            "API export md5sum v2 (peer)": get("/api/v1/lists/bench/export", format="md5sum", version=2),
        }
        results = {label: _timed(call, args.requests) for label, call in runs.items()}
    engine.dispose()

    scale = f"{args.entries:,} entries, {args.changes:,} changes (SQLite)"
    print(f"\nlist pages at {scale}, {args.requests} requests each")
    print(f"{'request':<38} {'p50 ms':>9} {'max ms':>9} {'mean ms':>9}")
    for label, times in results.items():
        print(f"{label:<38} {statistics.median(times):9.0f} {max(times):9.0f} {statistics.fmean(times):9.0f}")
    diff, delta = (
        statistics.median(results[k]) for k in ("console diff v1..v2", "API delta v1..v2, all pages (peer)")
    )
    export, api_export = (
        statistics.median(results[k]) for k in ("console export md5sum v2", "API export md5sum v2 (peer)")
    )
    print(f"diff / API delta: {diff / delta:.2f}; console export / API export: {export / api_export:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
