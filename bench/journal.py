"""The console's audit-journal page at scale: 1 M journal entries (staff, API callers and the system,
over two years) on SQLite, read the way the page reads them (:func:`vigil.audit.browse.page`: newest
first, a keyset on ``seq``, each filter on an index ending in ``seq``).

Peer in the same run: the same pages read by OFFSET (``ORDER BY seq DESC LIMIT 51 OFFSET k``), the way
a paged list is often written, at the same depths and with the same filters; the ratio is OFFSET's p50
over the keyset's. Also timed: the whole page through the app in process (session, query, Jinja2)
against the empty endpoint, newest and deep.

The entries (benign, made up) are built once by bulk insert into ``bench/.cache/journal/``; ``--entries``
makes a smaller run. Run as ``python -m bench journal`` (takes the machine-wide benchmark lock).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bench.console import _bulk, _p, _times

BENCH_DIR: Final = Path(__file__).resolve().parent
CACHE_DIR: Final = BENCH_DIR / ".cache" / "journal"
START: Final = datetime(2025, 1, 1, tzinfo=UTC)
SPAN: Final = timedelta(days=730)
#: (actor, action, share): the rare ones are what an admin looks for.
MIX: Final = (
    ("system", "hotline.process", 0.55),
    ("api:member-{n}", "lookup.batch", 0.30),
    ("console:analyst-{n}", "hotline.assess", 0.14),
    ("console:root", "users.role", 0.01),
)
PAGE: Final = 50


def build(sessions: Any, entries: int) -> None:
    from vigil.audit.models import AuditEntry, AuditHead

    rng = random.Random(15)
    step = SPAN / entries

    def rows() -> Iterator[dict[str, Any]]:
        for seq in range(1, entries + 1):
            roll, acc = rng.random(), 0.0
            actor, action = MIX[-1][0], MIX[-1][1]
            for who, what, share in MIX:
                acc += share
                if roll < acc:
                    actor, action = who, what
                    break
            n = rng.randrange(50)
            yield {
                "seq": seq,
                "at": START + step * seq,
                "actor": actor.format(n=n),
                "action": action,
                "subject": f"user/{n}" if action == "users.role" else f"case/{rng.randrange(100_000)}",
                "details": '{"bench":true}',
                "prev_hash": "0" * 64,  # not a valid chain: this benchmark times reading, not verifying
                "entry_hash": "0" * 64,
            }

    engine = sessions.kw["bind"]
    _bulk(engine, AuditEntry.__table__, rows())
    with sessions() as session, session.begin():
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=entries, entry_hash="0" * 64))


def prepare(entries: int) -> Path:
    from vigil.config import Settings
    from vigil.db import migrate
    from vigil.db.session import make_engine, make_session_factory

    folder = CACHE_DIR / f"e{entries}"
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
        build(make_session_factory(engine), entries)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    print(f"built {entries:,} journal entries in {time.perf_counter() - start:.0f} s", flush=True)
    (folder / "ready").write_text("ok\n")
    return folder


def _offset_page(session: Session, where: Any, offset: int) -> list[Any]:
    """The peer: the same filters and rows, paged by OFFSET."""
    from vigil.audit.models import AuditEntry

    query = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor, where.actor),
        (AuditEntry.action, where.action),
        (AuditEntry.subject, where.subject),
    ):
        if value:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(AuditEntry.at >= where.since)
    return list(
        session.execute(query.order_by(AuditEntry.seq.desc()).limit(PAGE + 1).offset(offset)).scalars()
    )


def _time(fn: Callable[[], object], n: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _admin_cookie(settings: Any) -> str:
    from vigil.auth import totp
    from vigil.auth.console import ConsoleAuth
    from vigil.auth.secret_seal import SecretSeal
    from vigil.auth.service import UserService
    from vigil.db.session import make_engine, make_session_factory
    from vigil.hotline.evidence import load_key

    engine = make_engine(settings)
    sessions = make_session_factory(engine)
    name = f"bench-{time.time_ns()}"
    UserService(sessions, "bench").add_user(name, "admin")
    auth = ConsoleAuth(sessions, seal=SecretSeal(load_key(settings)))
    auth.set_password(name, "bench password, long enough", "bench")
    secret = totp.new_secret()
    auth.enrol_totp(name, secret, "bench")
    pending = auth.sign_in(name, "bench password, long enough")
    cookie = auth.second_factor(pending, totp.code_at(secret, datetime.now(UTC)))
    engine.dispose()
    return cookie


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.journal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="Measured reads per case.")
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from vigil.audit import browse
    from vigil.config import Settings
    from vigil.db.session import make_engine, make_session_factory
    from vigil.web.app import create_app
    from vigil.web.console.guard import COOKIE

    folder = prepare(args.entries)
    settings = Settings(data_dir=folder, api_rate_per_second=0)
    engine = make_engine(settings)
    sessions = make_session_factory(engine)
    n, half = args.requests, args.entries // 2
    rare = browse.JournalFilter(actor="console:root")
    with sessions() as session:
        # The rare actor's entries: where its page "half-way down" starts, for both readers.
        rare_seqs = list(session.execute(select_rare(rare)).scalars())
    rare_half = len(rare_seqs) // 2
    cases: dict[str, tuple[Callable[[Session], object], Callable[[Session], object]]] = {
        "newest page": (
            lambda s: browse.page(s, browse.JournalFilter()),
            lambda s: _offset_page(s, browse.JournalFilter(), 0),
        ),
        "half-way down": (
            lambda s: browse.page(s, browse.JournalFilter(), before=half),
            lambda s: _offset_page(s, browse.JournalFilter(), args.entries - half + 1),
        ),
        "rare actor, newest": (
            lambda s: browse.page(s, rare),
            lambda s: _offset_page(s, rare, 0),
        ),
        "rare actor, half-way": (
            lambda s: browse.page(s, rare, before=rare_seqs[rare_half - 1]),
            lambda s: _offset_page(s, rare, rare_half),
        ),
        "action + last 30 days": (
            lambda s: browse.page(
                s, browse.JournalFilter(action="hotline.assess", since=START + SPAN - timedelta(days=30))
            ),
            lambda s: _offset_page(
                s, browse.JournalFilter(action="hotline.assess", since=START + SPAN - timedelta(days=30)), 0
            ),
        ),
    }
    results: dict[str, tuple[list[float], list[float]]] = {}
    with sessions() as session:
        for label, (keyset, offset) in cases.items():
            results[label] = (
                _time(lambda k=keyset: k(session), n),  # type: ignore[misc]
                _time(lambda o=offset: o(session), n),  # type: ignore[misc]
            )
    engine.dispose()

    cookie = _admin_cookie(settings)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        client.cookies.set(COOKIE, cookie, path="/console")
        pages = {
            "empty endpoint (peer)": [f"/api/v1/health/live?{i}" for i in range(n)],
            "journal page, newest": ["/console/admin/journal"] * n,
            "journal page, half-way": [f"/console/admin/journal?before={half}"] * n,
            "journal page, rare actor": ["/console/admin/journal?actor=console%3Aroot"] * n,
        }
        served: dict[str, list[float]] = {}
        for label, paths in pages.items():
            _times(client, paths[:2])
            served[label] = _times(client, paths)

    print(f"\naudit journal at {args.entries:,} entries (SQLite), {n} reads each, milliseconds")
    print(f"{'read':<24}{'keyset p50':>12}{'p95':>9}{'OFFSET p50':>12}{'p95':>9}{'OFFSET/keyset':>15}")
    for label, (k, o) in results.items():
        ratio = statistics.median(o) / max(statistics.median(k), 1e-6)
        left = f"{_p(k, 0.5):>12.2f}{_p(k, 0.95):>9.2f}"
        print(f"{label:<24}{left}{_p(o, 0.5):>12.2f}{_p(o, 0.95):>9.2f}{ratio:>14.1f}x")
    print(f"\n{'through the app':<28}{'p50':>9}{'p95':>9}")
    for label, times in served.items():
        print(f"{label:<28}{_p(times, 0.5):>9.1f}{_p(times, 0.95):>9.1f}")
    return 0


def select_rare(where: Any) -> Any:
    from vigil.audit.models import AuditEntry

    return select(AuditEntry.seq).where(AuditEntry.actor == where.actor).order_by(AuditEntry.seq.desc())
