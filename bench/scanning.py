"""``python -m bench scanning``: files/s of ``vigil scan`` against ``vigil hash`` on the same corpus.

The target (issue: scan): scan >= 0.9x hash, although a scan also sniffs types, opens archives, computes
8 dihedral PDQs per image, matches, checkpoints and writes three reports. A second part measures peak
RSS of scans of many small files at two sizes: it must stay flat as the file count grows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import corpus

VIGIL = [sys.executable, "-m", "vigil"]


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr[-2000:]}")
    return elapsed


def _measure_rss(args: list[str]) -> tuple[float, int]:
    """Run in a fresh interpreter so that ru_maxrss belongs to this command alone."""
    code = (
        "import resource,subprocess,sys,time;t=time.perf_counter();"
        "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    seconds, rss = out.stdout.split()
    return float(seconds), int(rss)


def speed(console: Console, folder: Path, jobs: int) -> float:
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        # Warm the page cache and numba's JIT cache once, so both contenders start equal.
        _timed([*VIGIL, "hash", "--jobs", str(jobs), str(folder)])
        hash_s = _timed([*VIGIL, "hash", "--jobs", str(jobs), str(folder)])
        scan_s = _timed([*VIGIL, "scan", str(folder), "--report", f"{tmp}/r", "--jobs", str(jobs)])
        # The report's review-queue thumbnails decode images a second time: shown apart.
        bare_s = _timed(
            [*VIGIL, "scan", str(folder), "--report", f"{tmp}/b", "--jobs", str(jobs), "--thumbnails", "0"]
        )
    table = Table(title=f"vigil scan vs vigil hash, {files} files of {folder.name}, {jobs} processes")
    for name in ("command", "seconds", "files/s"):
        table.add_column(name, justify="right")
    table.add_row("vigil hash", f"{hash_s:.2f}", f"{files / hash_s:.1f}")
    table.add_row("vigil scan", f"{scan_s:.2f}", f"{files / scan_s:.1f}")
    table.add_row("vigil scan --thumbnails 0", f"{bare_s:.2f}", f"{files / bare_s:.1f}")
    ratio = hash_s / scan_s
    table.add_row("scan / hash", "", f"{ratio:.2f}x (target >= 0.9x)")
    console.print(table)
    return ratio


def flat_memory(console: Console, sizes: list[int]) -> None:
    table = Table(title="vigil scan of many small files: peak RSS")
    for name in ("files", "seconds", "files/s", "peak RSS MiB"):
        table.add_column(name, justify="right")
    for n in sizes:
        root = Path(tempfile.mkdtemp(prefix="vigil-bench-many-"))
        try:
            for i in range(n):
                sub = root / f"{i // 1000:04d}"
                if i % 1000 == 0:
                    sub.mkdir()
                (sub / f"{i}.txt").write_bytes(os.urandom(64))
            seconds, rss = _measure_rss([*VIGIL, "scan", str(root), "--report", str(root / "report")])
            table.add_row(f"{n:,}", f"{seconds:.1f}", f"{n / seconds:,.0f}", f"{rss / 1024:.0f}")
        finally:
            shutil.rmtree(root, ignore_errors=True)
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scanning", description=__doc__)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--small-files", default="10000,100000", help="file counts for the RSS part")
    args = parser.parse_args(argv)
    console = Console()
    corpus.main([])
    ratios = [speed(console, corpus.subset_dir(name), args.jobs) for name in ("mixed", "gen-1024")]
    flat_memory(console, [int(x) for x in args.small_files.split(",") if x])
    return 0 if min(ratios) >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
