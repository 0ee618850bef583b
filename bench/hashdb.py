"""Hash database import: time and peak RSS of importing a generated VICS file of N records (default 1 M).

Peer, in the same run: ``json.load`` of the same file, the first step of any importer that parses a
whole file at once. Target: Vigil's import stays under 500 MB peak RSS at one million records.

Each measured step runs in its own process (peak RSS is per process). The file is generated once into
``bench/.cache/hashdb/`` (git-ignored) from counters: benign, made-up hashes. Run it as
``python -m bench hashdb [-- --records N --backend postgresql]``, which takes the machine-wide benchmark
lock, or alone as ``flock /tmp/vigil-bench.lock python -m bench.hashdb``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

BENCH_DIR: Final = Path(__file__).resolve().parent
CACHE_DIR: Final = BENCH_DIR / ".cache" / "hashdb"
TARGET_RSS_MB: Final = 500
CONTEXT: Final = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"


def vics_file(records: int) -> Path:
    """A VICS 2.0 media list of ``records`` Media (written once, then reused)."""
    path = CACHE_DIR / f"vics-{records}.json"
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write('{"@odata.context":"' + CONTEXT + '","value":[')
        for i in range(records):
            seed = i.to_bytes(8, "big")
            media = {
                "MediaID": i + 1,
                "Category": i % 5,
                "MD5": hashlib.md5(seed, usedforsecurity=False).hexdigest().upper(),
                "SHA1": hashlib.sha1(seed, usedforsecurity=False).hexdigest().upper(),
                "MediaSize": 1000 + i % 100_000,
                "DateUpdated": "2023-06-07T02:31:49.8300Z",
                "IsPrecategorized": "false",
            }
            out.write(("," if i else "") + json.dumps(media, separators=(",", ":")))
        out.write("]}")
    partial.rename(path)
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _child(step: str, path: str, url: str) -> dict[str, Any]:
    """One measured step, in a fresh process."""
    started, cpu = time.perf_counter(), time.process_time()
    if step == "json.load":
        with open(path, "rb") as f:
            records = len(json.load(f)["value"])
        return {
            "records": records,
            "seconds": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
            "rss_mb": peak_rss_mb(),
        }
    from vigil.db.session import engine_for_url, make_session_factory
    from vigil.formats.vics import VICS
    from vigil.hashlists.service import HashDatabase

    engine = engine_for_url(url)
    service = HashDatabase(make_session_factory(engine), "bench")
    summary = service.import_file(Path(path), VICS, "Bench", kind="other", country="US")
    engine.dispose()
    return {
        "records": summary.records,
        "added": summary.added,
        "skipped": summary.skipped,
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "rss_mb": peak_rss_mb(),
    }


def _measure(step: str, path: Path, url: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.hashdb", "--child", step, str(path), url],
        capture_output=True,
        text=True,
        check=False,
        cwd=BENCH_DIR.parent,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def database(backend: str, server: str) -> Iterator[str]:
    """A new, migrated database of ``backend``, removed afterwards."""
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from vigil.db.migrate import alembic_config

    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="vigil-bench-") as folder:
            url = f"sqlite:///{folder}/bench.sqlite3"
            command.upgrade(alembic_config(url), "head")
            yield url
        return
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"vigil_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        command.upgrade(alembic_config(url), "head")
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hashdb", description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="Media records in the file.")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--server",
        default=os.environ.get(
            "VIGIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="PostgreSQL server (its database is used only to create and drop the bench database).",
    )
    parser.add_argument("--child", nargs=3, metavar=("STEP", "FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0

    started = time.perf_counter()
    path = vics_file(args.records)
    size_mb = path.stat().st_size / 2**20
    print(f"VICS file: {args.records:,} records, {size_mb:,.0f} MB ({time.perf_counter() - started:.1f} s)")
    peer = _measure("json.load", path, "")
    with database(args.backend, args.server) as url:
        ours = _measure("import", path, url)
    rows = [
        ("peer: json.load (parse only)", peer),
        (f"vigil lists import ({args.backend})", ours),
    ]
    print(f"{'step':<36} {'records':>10} {'seconds':>9} {'CPU s':>7} {'records/s':>11} {'peak RSS MB':>12}")
    for label, r in rows:
        rate = r["records"] / r["seconds"] if r["seconds"] else 0
        print(
            f"{label:<36} {r['records']:>10,} {r['seconds']:>9.1f} {r['cpu']:>7.1f} {rate:>11,.0f} "
            f"{r['rss_mb']:>12,.0f}"
        )
    ok = ours["added"] == args.records and ours["rss_mb"] < TARGET_RSS_MB
    verdict = "met" if ok else "MISSED"
    print(f"target: all {args.records:,} added and peak RSS < {TARGET_RSS_MB} MB: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
