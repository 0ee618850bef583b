"""``python -m bench runners``: throughput of the Ray runner against the local runner (the process pool)
on the same files, in the same run, with the same number of worker processes; then a scaling table
from 1 to N workers of each.

Both run in this process over one corpus of generated benign images, hashed (``hash_many``) and scanned
against PDQ and MD5 index files (``run_scan``, matching included), so that the ratio is the engine's cost
alone. Ray is started once per worker count, before its timings: its start-up (seconds) is printed apart,
as a command pays it once per run. Target (issue 18): Ray >= 0.85x the local runner at 2 workers.
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from vigil.index import ExactIndex, PdqIndex
from vigil.runners import Executor, RunnerOptions, get_runner
from vigil.scanning.matching import KnownLists
from vigil.scanning.pipeline import ScanOptions
from vigil.scanning.runners.local import ScanRequest, run_scan
from vigil.signals.batch import hash_many, iter_paths
from vigil.signals.content import HashOptions


def make_corpus(folder: Path, count: int, side: int) -> None:
    from vigil.demo.images import scene

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        path = folder / f"{i:05d}.jpg"
        if not path.exists():
            scene(3000 + i, (side, side * 3 // 4)).save(path, quality=88)


def make_known(folder: Path, tmp: Path, size: int) -> KnownLists:
    """Index files of ``size`` random hashes plus every tenth file's: hits to report, as a real list."""
    results = list(hash_many(iter_paths([str(folder)]), HashOptions(), 1))[::10]
    pdq = [str(r.signals.get("pdq")) for r in results] + [secrets.token_hex(32) for _ in range(size)]
    md5 = [str(r.signals.get("md5")) for r in results] + [secrets.token_hex(16) for _ in range(size)]
    PdqIndex.build(pdq).save(tmp / "pdq.vidx")
    ExactIndex.build(md5).save(tmp / "md5.vidx")
    from vigil.index import load_index

    return KnownLists(
        {"pdq": load_index(tmp / "pdq.vidx"), "md5": load_index(tmp / "md5.vidx")}, name="bench"
    )


def hash_all(executor: Executor, folder: Path) -> None:
    for _ in hash_many(iter_paths([str(folder)]), HashOptions(), executor=executor):
        pass


def scan_all(executor: Executor, folder: Path, known: KnownLists, tmp: Path) -> None:
    report = tmp / "report"
    shutil.rmtree(report, ignore_errors=True)
    request = ScanRequest(inputs=[str(folder)], report_dir=report, options=ScanOptions(), thumbnails=0)
    run_scan(request, known, executor=executor)


@contextmanager
def started(runner: str, jobs: int) -> Iterator[tuple[Executor, float]]:
    begin = time.perf_counter()
    with get_runner(runner).start(RunnerOptions(jobs=jobs)) as executor:
        yield executor, time.perf_counter() - begin


def best(fn: Callable[[], None], repeats: int) -> float:
    out = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench runners", description=__doc__)
    parser.add_argument("--files", type=int, default=600, help="generated JPEGs (default 600)")
    parser.add_argument("--side", type=int, default=640, help="their width in pixels (default 640)")
    parser.add_argument("--jobs", type=int, default=2, help="most worker processes (default 2)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--index-size", type=int, default=100_000, help="random hashes in each index")
    args = parser.parse_args(argv)
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    console = Console()
    console.print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="vigil-bench-runners-") as tmpname:
        tmp = Path(tmpname)
        folder = tmp / "corpus"
        make_corpus(folder, args.files, args.side)
        known = make_known(folder, tmp, args.index_size)
        rows: dict[tuple[str, int], dict[str, float]] = {}
        for jobs in range(1, args.jobs + 1):
            for runner in ("local", "ray"):
                with started(runner, jobs) as (executor, start_up):
                    hash_all(executor, folder)  # warm: page cache, numba, Ray's worker processes
                    scan_all(executor, folder, known, tmp)
                    hashed = best(functools.partial(hash_all, executor, folder), args.repeats)
                    scanned = best(functools.partial(scan_all, executor, folder, known, tmp), args.repeats)
                rows[(runner, jobs)] = {
                    "start": start_up,
                    "hash": args.files / hashed,
                    "scan": args.files / scanned,
                }
        title = f"{args.files} JPEGs {args.side}px, scan against {args.index_size:,}-hash PDQ and MD5 indexes"
        table = Table(title=title)
        for name in ("runner", "workers", "start-up s", "hash files/s", "scan files/s", "ray / local"):
            table.add_column(name, justify="right")
        for (runner, jobs), r in rows.items():
            local = rows[("local", jobs)]
            ratio = (
                f"{r['hash'] / local['hash']:.2f}x / {r['scan'] / local['scan']:.2f}x"
                if runner == "ray"
                else ""
            )
            table.add_row(
                runner, str(jobs), f"{r['start']:.1f}", f"{r['hash']:.1f}", f"{r['scan']:.1f}", ratio
            )
        console.print(table)
        top = args.jobs
        for runner in ("local", "ray"):
            one, most = rows[(runner, 1)], rows[(runner, top)]
            console.print(
                f"{runner}: {top} workers / 1: hash {most['hash'] / one['hash']:.2f}x, "
                f"scan {most['scan'] / one['scan']:.2f}x"
            )
        ray, local = rows[("ray", top)], rows[("local", top)]
        console.print(
            f"ray / local at {top} workers: hash {ray['hash'] / local['hash']:.2f}x, "
            f"scan {ray['scan'] / local['scan']:.2f}x (target >= 0.85x)"
        )
    console.print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
