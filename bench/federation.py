"""Federation: initial sync of a list of N records (default 1 M) between two instances, and an
incremental pull of 1,000 changes (target: under 2 s).

The source is a real ``vigil serve`` on loopback over a SQLite database holding a published list of N
generated records (benign, made-up hashes from counters: MD5, SHA-1, SHA-256 and a PDQ-shaped value,
category 1); the puller pulls it into a fresh SQLite database with ``vigil.federation.pull.Puller``
(what ``vigil peers pull`` runs), in a process of its own, whose peak RSS is reported. Peer, in the same
run: the plain way to copy the same list, ``vigil lists export --format csv`` from the source then
``vigil lists import --list`` into a third database, each in a process of its own. Then 1,000 changes
(500 new items, 500 recategorised out of the list) are published and pulled again.

``python -m bench federation [-- --records N --page-size P]`` (takes the machine-wide benchmark lock).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

BENCH_DIR: Final = Path(__file__).resolve().parent
CHANGES: Final = 1000
TARGET_INCREMENTAL_S: Final = 2.0
SOURCE: Final = "Bench source"


def _row(i: int, category: int) -> str:
    seed = i.to_bytes(8, "big")
    return ",".join(
        (
            hashlib.sha256(seed).hexdigest(),
            hashlib.md5(seed, usedforsecurity=False).hexdigest(),
            hashlib.sha1(seed, usedforsecurity=False).hexdigest(),
            hashlib.sha256(b"pdq" + seed).hexdigest(),
            str(category),
            "vics-us",
            str(1000 + i % 100_000),
        )
    )


def _listing(path: Path, rows: list[tuple[int, int]] | range) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("sha256,md5,sha1,pdq,category,scheme,size\n")
        for item in rows:
            i, category = item if isinstance(item, tuple) else (item, 1)
            out.write(_row(i, category) + "\n")
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _env(data: Path, instance: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return env | {
        "VIGIL_DATA_DIR": str(data),
        "VIGIL_FEDERATION_INSTANCE": instance,
        "VIGIL_FEDERATION_ALLOW_PRIVATE": "true",
        "VIGIL_API_RATE_PER_SECOND": "0",
        "VIGIL_INDEX_POLL_SECONDS": "3600",
        "VIGIL_LOG_LEVEL": "WARNING",
    }


def _vigil(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "vigil", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"vigil {' '.join(args)}: {done.stderr[-2000:]}")
    return done.stdout


def _child(step: str, data: str, arg: str) -> dict[str, Any]:
    """One measured step in a fresh process: its wall time (imports excluded) and peak RSS."""
    from vigil.config import Settings
    from vigil.db.session import engine_for_url, make_session_factory
    from vigil.federation.pull import Puller
    from vigil.formats.registry import get_format
    from vigil.hashlists.service import HashDatabase

    settings = Settings()
    engine = engine_for_url(settings.sqlalchemy_url)
    sessions = make_session_factory(engine)
    started, cpu = time.perf_counter(), time.process_time()
    if step == "pull":
        result = Puller(settings, sessions, "bench").pull(arg)
        applied = result.lists[0].applied
        out = {"records": applied.records, "added": applied.added, "tombstones": applied.tombstones}
    elif step == "export":
        with open(arg, "wb") as f:
            written = HashDatabase(sessions, "bench").export("shared", get_format("csv"), f).written
        out = {"records": written}
    else:  # import
        db = HashDatabase(sessions, "bench")
        summary = db.import_file(
            Path(arg), get_format("csv"), SOURCE, kind="hotline", country="FR", list_name="copy"
        )
        db.publish("copy")
        out = {"records": summary.records, "added": summary.added}
    engine.dispose()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return out | {"seconds": seconds, "cpu": cpu, "rss_mb": _peak_mb()}


def _measure(env: dict[str, str], step: str, arg: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.federation", "--child", step, env["VIGIL_DATA_DIR"], arg],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=BENCH_DIR.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "vigil", "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vigil serve ended: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/api/v1/health/live", timeout=5).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("vigil serve did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.federation", description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="Records of the list.")
    parser.add_argument("--page-size", type=int, default=1000, help="VIGIL_FEDERATION_PAGE_SIZE of the pull.")
    parser.add_argument("--child", nargs=3, metavar=("STEP", "DATA", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="vigil-bench-federation-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        source, puller, plain = (_env(folder / n, f"bench-{n}") for n in ("source", "puller", "plain"))
        puller["VIGIL_FEDERATION_PAGE_SIZE"] = str(args.page_size)
        for env in (source, puller, plain):
            _vigil(env, "db", "upgrade")
        started = time.perf_counter()
        listing = _listing(folder / "list.csv", range(args.records))
        _vigil(source, "lists", "import", str(listing), "--format", "csv", "--contributor", SOURCE,
               "--kind", "hotline", "--country", "FR")  # fmt: skip
        print(
            f"source: {args.records:,} records imported and published ({time.perf_counter() - started:.0f} s)"
        )
        token = _vigil(source, "users", "add", "bench-puller", "--role", "peer").strip()
        _vigil(source, "users", "add", "bench-source", "--role", "admin")
        key = folder / "source.pem"
        key.write_text(_vigil(source, "peers", "keys", "export"))
        _vigil(
            source,
            "peers",
            "add",
            "bench-puller",
            "https://unused.example",
            "--token",
            "x",
            "--key",
            str(key),
        )
        # Category 1, meant for peers: a recategorised item leaves it (a tombstone for the peer).
        _vigil(source, "lists", "create", "shared", "--contributor", SOURCE, "--category", "vics-us:1",
               "--recipient", "peer")  # fmt: skip
        _vigil(source, "lists", "publish", "shared")
        server, base = _serve(source, folder / "serve.log")
        _vigil(puller, "peers", "add", "source", base, "--token", token, "--key", str(key), "--country", "FR",
               "--pull", "shared")  # fmt: skip

        exported = _measure(source, "export", str(folder / "export.csv"))
        imported = _measure(plain, "import", str(folder / "export.csv"))
        pulled = _measure(puller, "pull", "source")

        changes = [(args.records + i, 1) for i in range(CHANGES // 2)] + [(i, 2) for i in range(CHANGES // 2)]
        _vigil(source, "lists", "import", str(_listing(folder / "changes.csv", changes)), "--format", "csv",
               "--contributor", SOURCE)  # fmt: skip
        _vigil(source, "lists", "publish", "shared")
        incremental = _measure(puller, "pull", "source")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        shutil.rmtree(folder, ignore_errors=True)

    plain_seconds = exported["seconds"] + imported["seconds"]
    plain_rate = args.records / plain_seconds
    pull_rate = pulled["records"] / pulled["seconds"]
    print(f"{'step':<52} {'records':>10} {'seconds':>8} {'CPU s':>6} {'records/s':>10} {'peak RSS MB':>12}")
    both_rss = max(exported["rss_mb"], imported["rss_mb"])
    changed = incremental["records"] + incremental["tombstones"]
    rows = [
        ("peer: vigil lists export --format csv", exported["records"], exported["seconds"],
         exported["cpu"], exported["rss_mb"]),
        ("peer: vigil lists import --list (third database)", imported["records"], imported["seconds"],
         imported["cpu"], imported["rss_mb"]),
        ("peer: export + import", args.records, plain_seconds, exported["cpu"] + imported["cpu"], both_rss),
        (f"vigil peers pull: initial sync (batches of {args.page_size})", pulled["records"],
         pulled["seconds"], pulled["cpu"], pulled["rss_mb"]),
        (f"vigil peers pull: {CHANGES:,} changes", changed, incremental["seconds"], incremental["cpu"],
         incremental["rss_mb"]),
    ]  # fmt: skip
    for label, records, seconds, cpu, rss in rows:
        print(
            f"{label:<52} {records:>10,} {seconds:>8.1f} {cpu:>6.1f} {records / seconds:>10,.0f} "
            f"{rss:>12,.0f}"
        )
    print(f"machine load average while measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"ratio: initial sync at {pull_rate / plain_rate:.2f}x the records/s of export + import")
    ok = (
        pulled["added"] == args.records
        and incremental["added"] == CHANGES // 2
        and incremental["tombstones"] == CHANGES // 2
        and incremental["seconds"] < TARGET_INCREMENTAL_S
    )
    print(
        f"target: all records synced ({pulled['added']:,} added), {CHANGES:,} changes pulled "
        f"({incremental['added']:,} added, {incremental['tombstones']:,} retracted) in "
        f"< {TARGET_INCREMENTAL_S:.0f} s ({incremental['seconds']:.2f} s): {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
