"""Console pages' server time at scale: the queue, a filtered queue, the grid and case pages over a hotline
of 100,000 cases (reports, hosting, evidence rows, events) beside a hash database of 1 M media, on SQLite.
Target: p95 < 150 ms for each console page. Peers in the same run: the empty endpoint
(``/api/v1/health/live``) and the API's JSON view of a case (``/api/v1/cases/{id}``).

"Server time" is the time of one request through the whole app (routing, session and CSRF checks, the
database, Jinja2) called in process (Starlette's test client: no sockets, no other process), one request at
a time. The data (benign, made up: example.net URLs, no content) is built once with bulk inserts into
``bench/.cache/console/`` and reused; ``--cases`` and ``--media`` make a smaller run.

Run alone as ``flock /tmp/vigil-bench.lock python -m bench.console`` (or ``python -m bench console``).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, insert

from bench.seeded import seeded_database

BENCH_DIR: Final = Path(__file__).resolve().parent
CACHE_DIR: Final = BENCH_DIR / ".cache" / "console"
TARGET_MS: Final = 150.0
CHUNK: Final = 20_000
COUNTRIES: Final = ("NL", "DE", "US", "FR", "GB", "RO", "RU", "SE")
#: Sessions' hosts: a few hundred, as a hotline sees from a few hundred hosting providers.
HOSTS: Final = 500
START: Final = datetime(2025, 1, 1, tzinfo=UTC)


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    for batch in _chunks(rows):
        with engine.begin() as conn:
            conn.execute(insert(table), batch)


def build(engine: Engine, cases: int, media: int, queue_share: float) -> None:
    """Bulk-insert the hash database's media and the hotline's cases with their rows."""
    from vigil.hashlists.models import Contributor, Media, Provenance
    from vigil.hotline.models import REPORT_SOURCES, Case, CaseEvent, Evidence, Hosting, Report

    contributor, provenance = 1, 1
    with engine.begin() as conn:
        conn.execute(
            insert(Contributor).values(
                id=contributor, name="Bench hotline", kind="hotline", country="GB", created_at=START
            )
        )
        conn.execute(
            insert(Provenance).values(
                id=provenance, contributor_id=contributor, source="bench", actor="bench", created_at=START
            )
        )
    _bulk(
        engine,
        Media.__table__,
        (
            {
                "id": i,
                "sha256": hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
                "size": 1000 + i % 50_000,
                "mime_type": "image/jpeg",
                "first_seen": START,
                "contributor_id": contributor,
                "provenance_id": provenance,
            }
            for i in range(1, media + 1)
        ),
    )
    rng = random.Random(cases)
    every = max(1, round(1 / queue_share)) if queue_share > 0 else cases + 1

    def state(i: int) -> str:
        if i % every == 0:
            return "triage" if i % (2 * every) == 0 else "new"
        return "removed" if i % 3 else "rejected"

    def url(i: int) -> str:
        return f"http://host{i % HOSTS}.example.net/page/{i}"

    def case_rows() -> Iterator[dict[str, Any]]:
        for i in range(1, cases + 1):
            digest = hashlib.sha256(url(i).encode()).hexdigest()
            open_ = state(i) in ("new", "triage")
            yield {
                "id": i,
                "url": url(i),
                "url_sha256": digest,
                "open_url": digest if open_ else None,
                "host": f"host{i % HOSTS}.example.net",
                "state": state(i),
                "opened_at": START + timedelta(minutes=i),
                "closed_at": None if open_ else START + timedelta(minutes=i + 600),
                "media_id": rng.randint(1, media) if media and i % 3 == 0 else None,
            }

    _bulk(engine, Case.__table__, case_rows())
    _bulk(
        engine,
        Report.__table__,
        (
            {
                "case_id": i,
                "received_at": START + timedelta(minutes=i),
                "source": REPORT_SOURCES[i % 3],
                "submitted_by": "bench",
                "reported_url": url(i),
                "description": "",
            }
            for i in range(1, cases + 1)
        ),
    )
    _bulk(
        engine,
        Hosting.__table__,
        (
            {
                "case_id": i,
                "resolved_at": START + timedelta(minutes=i),
                "hostname": f"host{i % HOSTS}.example.net",
                "ip": f"192.0.2.{i % 250 + 1}",
                "country": COUNTRIES[i % len(COUNTRIES)],
                "source": "none",
            }
            for i in range(1, cases + 1)
        ),
    )
    _bulk(
        engine,
        Evidence.__table__,
        (
            {
                "case_id": i,
                "captured_at": START + timedelta(minutes=i, seconds=k),
                "final_url": f"{url(i)}/item-{k}.jpg",
                "ip": "192.0.2.1",
                "http_status": 200,
                "content_type": "image/jpeg",
                "size": 12_345,
                "blob": f"{i}-{k:024x}.vge",
                "blob_sha256": "0" * 64,
                "sealed_signals": "",
                "key_id": "0" * 16,
            }
            for i in range(1, cases + 1)
            for k in range(2)
        ),
    )
    _bulk(
        engine,
        CaseEvent.__table__,
        (
            {
                "case_id": i,
                "at": START + timedelta(minutes=i, seconds=k),
                "kind": "state",
                "from_state": None if k == 0 else "new",
                "to_state": "new" if k == 0 else state(i),
                "actor": "bench",
                "details": {},
            }
            for i in range(1, cases + 1)
            for k in range(3)
        ),
    )


def prepare(cases: int, media: int, queue_share: float) -> Path:
    """A data folder (built once) with the database migrated and filled."""

    def fill(engine: Engine) -> str:
        build(engine, cases, media, queue_share)
        return f"{cases} cases, {media} media"

    return seeded_database(CACHE_DIR / f"c{cases}-m{media}-q{queue_share:g}", fill)


def _times(client: Any, paths: list[str], headers: dict[str, str] | None = None) -> list[float]:
    out = []
    for path in paths:
        start = time.perf_counter()
        response = client.get(path, headers=headers or {}, follow_redirects=False)
        out.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--queue-share", type=float, default=0.02, help="Share of cases in new/triage.")
    parser.add_argument("--requests", type=int, default=200, help="Measured requests per page.")
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

    folder = prepare(args.cases, args.media, args.queue_share)
    settings = Settings(data_dir=folder, api_rate_per_second=0)
    engine = make_engine(settings)
    sessions = make_session_factory(engine)
    # A fresh analyst per run (console sign-in and an API token for the JSON peer).
    name = f"bench-{int(time.time())}"
    token = UserService(sessions, "bench").add_user(name, "analyst").secret
    auth = ConsoleAuth(sessions, seal=SecretSeal(load_key(settings)))
    auth.set_password(name, "bench password, long enough", "bench")
    secret = totp.new_secret()
    auth.enrol_totp(name, secret, "bench")
    pending = auth.sign_in(name, "bench password, long enough")
    cookie = auth.second_factor(pending, totp.code_at(secret, datetime.now(UTC)))

    rng = random.Random(7)
    n = args.requests
    case_ids = [rng.randint(1, args.cases) for _ in range(n)]
    pages = {
        "empty endpoint (peer)": ([f"/api/v1/health/live?{i}" for i in range(n)], {}),
        "API case JSON (peer)": (
            [f"/api/v1/cases/{c}" for c in case_ids],
            {"Authorization": f"Bearer {token}"},
        ),
        "console queue": (["/console/queue"] * n, {}),
        "console queue, country filter": (["/console/queue?country=NL&state=triage"] * n, {}),
        "console grid": (["/console/grid"] * n, {}),
        "console case": ([f"/console/cases/{c}" for c in case_ids], {}),
    }
    results: dict[str, list[float]] = {}
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        client.cookies.set(COOKIE, cookie, path="/console")
        for label, (paths, headers) in pages.items():
            _times(client, paths[:10], headers)  # warm-up: templates compiled, caches filled
            results[label] = _times(client, paths, headers)
    engine.dispose()

    print(f"\nconsole pages at {args.cases:,} cases and {args.media:,} media (SQLite), {n} requests each")
    print(f"{'page':<32} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}  target p95 < {TARGET_MS:.0f} ms")
    failed = False
    for label, times in results.items():
        p95 = _p(times, 0.95)
        verdict = ""
        if label.startswith("console"):
            ok = p95 < TARGET_MS
            failed = failed or not ok
            verdict = "pass" if ok else "FAIL"
        print(f"{label:<32} {_p(times, 0.5):8.1f} {p95:8.1f} {statistics.fmean(times):8.1f}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
