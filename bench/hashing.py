"""Hashing benchmark: ``vigil hash`` against python-threatexchange, in the same run, on the same files.

For each subset of the corpus (bench/corpus.py: phone-size 4000x3000 JPEGs, 1024x768 JPEGs, the mixed
photo corpus) it measures, with 2 processes each:

- python-threatexchange: ``PdqSignal.hash_from_file`` over a ``multiprocessing`` pool (PDQ only);
- Vigil: ``vigil.signals.batch.hash_many`` (what ``vigil hash`` runs: MD5, SHA-1, SHA-256 and PDQ), in
  fast mode and with ``--exact``, and the real CLI, ``vigil hash --format jsonl`` as a subprocess
  (its figure includes the interpreter's start-up);
- decode only, the physical limit: Pillow's full decode, and Vigil's fast-mode reduced decode;
- ``hash_many`` with 1 process, for the 2-process speed-up;

then the distance between the fast and the exact PDQ of every image whose exact quality is >= 80.
Every speed is the best of its runs (quick ones are repeated), as noise only slows runs down; the
1-vs-2-process figures alternate and are printed with the machine's idle CPU share around the run.
Targets: >= 8x python-threatexchange on the 4000x3000 set, >= 3x on the mixed corpus, every fast hash
within 10 bits of exact, 2 processes >= 1.8x one. Writes ``bench/results/hashing.json`` and the
distance plot ``bench/results/hashing-distance.png``. Exit code 1 when a target is missed.

Heavy: run it as ``python -m bench hashing`` (which takes the machine-wide benchmark lock), or
``flock /tmp/vigil-bench.lock python -m bench.hashing``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Final, Generic, TypeVar

from PIL import Image
from rich.console import Console
from rich.table import Table

from bench import corpus
from vigil.signals.batch import hash_many
from vigil.signals.content import FAST_MIN_SIDE, HashOptions, HashResult
from vigil.signals.hexbits import hamming
from vigil.signals.images import ImageLimits, decode_reduced
from vigil.signals.pdq_fast import fast_pdq

RESULTS_DIR: Final = corpus.BENCH_DIR / "results"
JOBS: Final = 2
TOLERANCE: Final = 10
GOOD_QUALITY: Final = 80
#: subset → minimum Vigil/pytx speed ratio (issue 2).
RATIO_TARGETS: Final = {"gen-4000": 8.0, "mixed": 3.0}
SPEEDUP_TARGET: Final = 1.8
#: Subsets large enough for a meaningful 1-vs-2-process figure.
SPEEDUP_SUBSETS: Final = ("gen-4000", "mixed")
SPEEDUP_ROUNDS: Final = 3
#: A run during which other processes used more than this share of the machine's CPU is disturbed: it is
#: repeated (within limits) and, when no undisturbed run was had, its figure is marked with '*'.
FOREIGN_MAX: Final = 0.1
#: Below this share of idle CPU just before or after the run, other processes were sharing the cores.
IDLE_ENOUGH: Final = 0.9

T = TypeVar("T")


@dataclass
class SubsetResult:
    name: str
    images: int
    megapixels: float
    rates: dict[str, float] = field(default_factory=dict)  # images/s by measurement
    pytx_errors: int = 0
    cli_mismatches: int = 0
    distances: list[int] = field(default_factory=list)  # fast vs exact, exact quality >= 80
    low_quality: int = 0
    fast_paths: dict[str, int] = field(default_factory=dict)
    #: Measurements during which other processes kept taking a share of the CPU (see FOREIGN_MAX).
    disturbed: list[str] = field(default_factory=list)

    def ratio(self, key: str = "vigil") -> float:
        pytx = self.rates.get("pytx", 0.0)
        return self.rates.get(key, 0.0) / pytx if pytx else 0.0

    @property
    def speedup(self) -> float:
        one = self.rates.get("vigil-1p", 0.0)
        return self.rates.get("vigil-2p", 0.0) / one if one else 0.0

    @property
    def max_distance(self) -> int:
        return max(self.distances, default=0)

    @property
    def within(self) -> float:
        d = self.distances
        return sum(x <= TOLERANCE for x in d) / len(d) if d else 1.0


# Workers (module level: they run in pool processes).


def _pytx_hash(path: str) -> str | None:
    from threatexchange.signal_type.pdq.signal import PdqSignal

    try:
        return str(PdqSignal.hash_from_file(Path(path)))
    except Exception:
        return None


def _decode_full(path: str) -> None:
    with Image.open(path) as im:
        im.load()


def _decode_reduced(path: str) -> None:
    decode_reduced(Path(path).read_bytes(), ImageLimits(), FAST_MIN_SIDE, luma=True)


def _fast_path(path: str) -> str:
    return fast_pdq(Path(path).read_bytes(), ImageLimits(), FAST_MIN_SIDE).path


def _pool_map(fn: Callable[[str], T], paths: Sequence[str], jobs: int = JOBS) -> list[T]:
    with multiprocessing.Pool(jobs) as pool:
        return pool.map(fn, paths, chunksize=1)


# Measurements.


def _cpu_counters() -> tuple[float, float]:
    """(CPU seconds used by the whole machine, CPU seconds used by this process and its reaped children)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        busy = 0.0
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system


@dataclass(frozen=True, slots=True)
class Run(Generic[T]):
    seconds: float
    #: Share of the machine's CPU capacity that other processes used during the run.
    foreign: float
    out: T


def _run_once(run: Callable[[], T]) -> Run[T]:
    busy0, own0 = _cpu_counters()
    start = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - start
    busy1, own1 = _cpu_counters()
    capacity = seconds * (os.cpu_count() or 1)
    return Run(seconds, max(0.0, (busy1 - busy0) - (own1 - own0)) / capacity, out)


def _timed(run: Callable[[], T], min_seconds: float, max_runs: int = 5) -> tuple[Run[T], bool]:
    """The best run of ``run`` (noise only ever slows a run down), repeated until ``min_seconds`` have
    passed, and again (up to ``max_runs``, at most 2 extra runs when long) while other processes took
    more than ``FOREIGN_MAX`` of the CPU. Also whether every run was so disturbed."""
    runs: list[Run[T]] = []
    while True:
        runs.append(_run_once(run))
        clean = [r for r in runs if r.foreign <= FOREIGN_MAX]
        total = sum(r.seconds for r in runs)
        done = total >= min_seconds and (clean or len(runs) >= 3)
        if done or len(runs) >= max_runs:
            pool = clean or runs
            return min(pool, key=lambda r: r.seconds), not clean


def _vigil_cli() -> list[str]:
    script = Path(sys.executable).with_name("vigil")
    if script.is_file():
        return [str(script)]
    found = shutil.which("vigil")
    return [found] if found else [sys.executable, "-m", "vigil"]


def _run_cli(paths: Sequence[str], jobs: int) -> dict[str, str | None]:
    cmd = [*_vigil_cli(), "hash", "--format", "jsonl", "--jobs", str(jobs), *paths]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"vigil hash failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    rows = (json.loads(line) for line in proc.stdout.splitlines() if line.strip())
    return {row["path"]: row["pdq"] for row in rows}


def cli_startup() -> float:
    """Best wall time of ``vigil --version``: the interpreter and imports in every CLI figure."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([*_vigil_cli(), "--version"], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return min(times)


def _hash_all(paths: Sequence[str], options: HashOptions, jobs: int) -> list[HashResult]:
    return list(hash_many(list(paths), options, jobs))


def _megapixels(paths: Sequence[str]) -> float:
    total = 0
    for p in paths:
        with Image.open(p) as im:
            total += im.size[0] * im.size[1]
    return total / 1e6


def idle_share(seconds: float = 1.0) -> float | None:
    """Share of idle CPU time over ``seconds``, from /proc/stat (None where there is none)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return fields[3] + fields[4], sum(fields[:8])

    try:
        idle0, total0 = sample()
        time.sleep(seconds)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return (idle1 - idle0) / max(1, total1 - total0)


def _warm(paths: Sequence[str]) -> None:
    """Read every file once, so that every contender sees the page cache warm."""
    for p in paths:
        Path(p).read_bytes()


def measure(
    name: str, files: Sequence[Path], console: Console, *, min_seconds: float, cli: bool, pytx: bool
) -> SubsetResult:
    paths = [str(p) for p in files]
    n = len(paths)
    res = SubsetResult(name, n, _megapixels(paths))
    _warm(paths)

    def rate(key: str, run: Callable[[], T]) -> T:
        console.print(f"  [dim]{name}: {key}...", end="")
        best, disturbed = _timed(run, min_seconds)
        res.rates[key] = n / best.seconds
        if disturbed:
            res.disturbed.append(key)
        note = f" (other processes took {best.foreign:.0%} of the CPU)" if disturbed else ""
        console.print(f"[dim] {n / best.seconds:.1f} images/s{note}")
        return best.out

    if pytx:
        pytx_hashes = rate("pytx", lambda: _pool_map(_pytx_hash, paths))
        res.pytx_errors = sum(h is None for h in pytx_hashes)
    fast = rate("vigil", lambda: _hash_all(paths, HashOptions(fast=True), JOBS))
    if cli:
        by_path = rate("vigil-cli", lambda: _run_cli(paths, JOBS))
        res.cli_mismatches = sum(by_path.get(r.path) != r.signals.get("pdq") for r in fast)
    exact = rate("vigil-exact", lambda: _hash_all(paths, HashOptions(fast=False), JOBS))
    rate("decode-full", lambda: _pool_map(_decode_full, paths))
    rate("decode-reduced", lambda: _pool_map(_decode_reduced, paths))
    if name in SPEEDUP_SUBSETS:
        # 1 and 2 processes in alternation, best undisturbed run of each.
        runs: dict[str, list[Run[list[HashResult]]]] = {"vigil-2p": [], "vigil-1p": []}
        for round_ in range(SPEEDUP_ROUNDS + 2):
            for jobs, key in ((JOBS, "vigil-2p"), (1, "vigil-1p")):
                runs[key].append(_run_once(partial(_hash_all, paths, HashOptions(fast=True), jobs)))
            clean = {k: [r for r in v if r.foreign <= FOREIGN_MAX] for k, v in runs.items()}
            if round_ + 1 >= SPEEDUP_ROUNDS and all(clean.values()):
                break
        for key, measured in runs.items():
            pool = [r for r in measured if r.foreign <= FOREIGN_MAX] or measured
            res.rates[key] = n / min(r.seconds for r in pool)
            if pool is measured and any(r.foreign > FOREIGN_MAX for r in measured):
                res.disturbed.append(key)
        console.print(f"  [dim]{name}: 2 vs 1 process... {res.speedup:.2f}x")
    res.fast_paths = dict(Counter(_pool_map(_fast_path, paths)))
    for fr, er in zip(fast, exact, strict=True):
        f, e = fr.signals.values, er.signals
        if "pdq" not in f or "pdq" not in e.values or "pdq" not in e.quality:
            continue
        if e.quality["pdq"] >= GOOD_QUALITY:
            res.distances.append(hamming(f["pdq"], e.values["pdq"]))
        else:
            res.low_quality += 1
    return res


def sweep(files: dict[str, list[Path]], sides: list[int], console: Console) -> Table:
    """Speed and fast-vs-exact distance for other values of the fast-mode minimum side."""
    table = Table(
        "subset", "min side", "vigil img/s", "max dist", "> 8 bits", "> 10 bits", title="min-side sweep"
    )
    for name, subset_files in files.items():
        paths = [str(p) for p in subset_files]
        exact = _hash_all(paths, HashOptions(fast=False), JOBS)
        for side in sides:
            start = time.perf_counter()
            fast = _hash_all(paths, HashOptions(fast=True, fast_min_side=side), JOBS)
            speed = len(paths) / (time.perf_counter() - start)
            dist = [
                hamming(f.signals.values["pdq"], e.signals.values["pdq"])
                for f, e in zip(fast, exact, strict=True)
                if f.signals.get("pdq")
                and e.signals.get("pdq")
                and (e.signals.quality_of("pdq") or 0) >= GOOD_QUALITY
            ]
            table.add_row(
                name,
                str(side),
                f"{speed:.1f}",
                str(max(dist, default=0)),
                str(sum(d > 8 for d in dist)),
                str(sum(d > TOLERANCE for d in dist)),
            )
            console.print(f"  [dim]sweep {name} {side}: {speed:.1f} images/s")
    return table


# Report.


def _fmt(r: SubsetResult, key: str) -> str:
    x = r.rates.get(key, 0.0)
    return (f"{x:.1f}" + ("*" if key in r.disturbed else "")) if x else "-"


def speed_table(results: list[SubsetResult]) -> Table:
    table = Table(title=f"hashing speed, images/s with {JOBS} processes (same files, same run)")
    for col in (
        "subset",
        "images",
        "MP/img",
        "pytx",
        "vigil",
        "ratio",
        "vigil CLI",
        "CLI ratio",
        "exact",
        "decode full",
        "decode fast",
        "1 proc",
        "2p/1p",
    ):
        table.add_column(col, justify="left" if col == "subset" else "right")
    for r in results:
        table.add_row(
            r.name,
            str(r.images),
            f"{r.megapixels / max(r.images, 1):.1f}",
            _fmt(r, "pytx"),
            _fmt(r, "vigil"),
            f"{r.ratio():.1f}x" if r.ratio() else "-",
            _fmt(r, "vigil-cli"),
            f"{r.ratio('vigil-cli'):.1f}x" if r.ratio("vigil-cli") else "-",
            _fmt(r, "vigil-exact"),
            _fmt(r, "decode-full"),
            _fmt(r, "decode-reduced"),
            _fmt(r, "vigil-1p"),
            f"{r.speedup:.2f}x" if r.speedup else "-",
        )
    return table


def _histogram(distances: list[int]) -> str:
    counts = Counter(distances)
    return " ".join(f"{d}:{counts[d]}" for d in sorted(counts))


def distance_table(results: list[SubsetResult]) -> Table:
    table = Table(title=f"fast vs --exact PDQ, images of exact quality >= {GOOD_QUALITY}")
    left = ("subset", "histogram (bits:images)", "paths")
    for col in ("subset", "compared", "max", f"<= {TOLERANCE} bits", "mean", *left[1:]):
        table.add_column(col, justify="left" if col in left else "right")
    for r in results:
        d = r.distances
        paths = " ".join(f"{k}:{v}" for k, v in sorted(r.fast_paths.items()))
        table.add_row(
            r.name,
            str(len(d)),
            str(r.max_distance),
            f"{100 * r.within:.1f}%",
            f"{statistics.mean(d):.2f}" if d else "-",
            _histogram(d),
            paths,
        )
    return table


def plot(results: list[SubsetResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(4.5 * len(results), 3.6), squeeze=False)
    for ax, r in zip(axes[0], results, strict=True):
        counts = Counter(r.distances)
        top = max(TOLERANCE + 2, r.max_distance + 1)
        xs = list(range(top + 1))
        bars = ax.bar(xs, [counts.get(x, 0) for x in xs], color="tab:blue")
        ax.bar_label(bars, labels=[str(counts[x]) if counts.get(x) else "" for x in xs], fontsize="small")
        ax.axvline(TOLERANCE + 0.5, color="tab:red", linestyle="--", label=f"tolerance ({TOLERANCE} bits)")
        ax.set_title(f"{r.name}: {len(r.distances)} images, max {r.max_distance}")
        ax.set_xlabel("Hamming distance, fast vs exact (bits)")
        ax.set_ylabel("images")
        ax.legend(fontsize="small")
    fig.suptitle(f"Vigil fast-mode PDQ vs --exact (quality >= {GOOD_QUALITY}, min side {FAST_MIN_SIDE})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def check_targets(results: list[SubsetResult], *, pytx: bool) -> list[str]:
    missed: list[str] = []
    for r in results:
        target = RATIO_TARGETS.get(r.name)
        if pytx and target and r.ratio() < target:
            missed.append(f"{r.name}: vigil/pytx {r.ratio():.1f}x < {target:g}x")
        if r.max_distance > TOLERANCE:
            missed.append(f"{r.name}: fast vs exact up to {r.max_distance} bits > {TOLERANCE}")
        if r.name in SPEEDUP_SUBSETS and r.speedup and r.speedup < SPEEDUP_TARGET:
            missed.append(f"{r.name}: 2 processes {r.speedup:.2f}x one < {SPEEDUP_TARGET}x")
        if r.cli_mismatches:
            missed.append(f"{r.name}: CLI and hash_many disagree on {r.cli_mismatches} files")
    return [m + (" (disturbed by other processes)" if _disturbed(results, m) else "") for m in missed]


def _disturbed(results: list[SubsetResult], message: str) -> bool:
    r = next(r for r in results if message.startswith(f"{r.name}:"))
    return "bits" not in message and bool(r.disturbed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench hashing", description=__doc__.splitlines()[0])
    parser.add_argument("--subsets", default=",".join(corpus.SUBSETS), help="comma-separated subsets")
    parser.add_argument("--limit", type=int, default=0, help="at most N images per subset (0: all)")
    parser.add_argument("--count", type=int, default=corpus.DEFAULT_COUNT, help="generated images per size")
    parser.add_argument("--min-time", type=float, default=2.0, help="repeat quick measurements up to this")
    parser.add_argument("--no-cli", action="store_true", help="skip timing the vigil CLI")
    parser.add_argument("--sweep", default="", help="also try these fast-mode min sides, e.g. 128,192,384")
    args = parser.parse_args(argv)

    console = Console(width=170)
    err = Console(stderr=True)
    corpus.summary(corpus.build(count=args.count, console=err), err)
    pytx = importlib.util.find_spec("threatexchange") is not None
    if not pytx:
        console.print("[yellow]python-threatexchange not installed (bench extra): no comparison")
    files: dict[str, list[Path]] = {}
    for name in args.subsets.split(","):
        found = corpus.subset_files(name)
        if not found:
            console.print(f"[yellow]subset {name!r} is empty: skipped")
            continue
        files[name] = found[: args.limit] if args.limit else found

    idle_before = idle_share()
    results = [
        measure(name, fs, err, min_seconds=args.min_time, cli=not args.no_cli, pytx=pytx)
        for name, fs in files.items()
    ]
    idle_after = idle_share()
    startup = cli_startup() if not args.no_cli else 0.0
    console.print(speed_table(results))
    console.print(distance_table(results))
    notes = (
        f"Fast mode: min side {FAST_MIN_SIDE}. pytx computes PDQ only; vigil computes MD5, SHA-1, SHA-256"
        " and PDQ. 'vigil CLI' includes the start-up of the command"
        f" ({startup:.2f} s for `vigil --version`). 'decode full': Pillow's full decode; 'decode fast':"
        " fast mode's reduced decode. paths: full = too small to reduce (identical to exact), reduced ="
        " hashed from the reduced decode, fallback = fragile hash recomputed from the full decode."
        f" '*': other processes took over {FOREIGN_MAX:.0%} of the CPU during every run of that figure."
        " 2p/1p: best of alternating 2- and 1-process runs ('1 proc' is the latter)."
    )
    console.print(notes)
    idle = [x for x in (idle_before, idle_after) if x is not None]
    if idle:
        console.print("Idle CPU share just before and after the run: " + ", ".join(f"{x:.0%}" for x in idle))
    if idle and min(idle) < IDLE_ENOUGH:
        console.print(
            "[yellow]Other processes were using the cores: these figures, the 1-vs-2-process speed-up most"
            " of all, understate Vigil's speed. Run again when the machine is idle."
        )
    if args.sweep:
        console.print(sweep(files, [int(s) for s in args.sweep.split(",")], err))

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    plot(results, RESULTS_DIR / "hashing-distance.png")
    summary = {
        "fast_min_side": FAST_MIN_SIDE,
        "cli_startup_s": startup,
        "idle_share": [idle_before, idle_after],
        "subsets": [{**asdict(r), "ratio": r.ratio(), "speedup": r.speedup} for r in results],
    }
    (RESULTS_DIR / "hashing.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    console.print(f"plot: {RESULTS_DIR / 'hashing-distance.png'}")

    missed = check_targets(results, pytx=pytx)
    for line in missed:
        console.print(f"[red]target missed: {line}")
    if not missed:
        console.print("[green]all hashing targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
