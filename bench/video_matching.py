"""Video matching: Vigil's ``VpdqIndex`` (one PDQ multi-index of every frame) against python-threatexchange's
``VPDQIndex`` (what HMA uses: FAISS ``IndexBinaryFlat`` over the frames), in the same run.

Data (benign: random bit patterns, no video): each indexed video has a random base hash and 30 to 90
frames (one a second, 60 on average), each frame the base with every bit flipped with probability
5/256, so the frames of one video are near each other as real footage's are; 5 % of frames have a
quality below 50. Queries: half are re-encoded, trimmed copies of indexed videos (a contiguous 80 % of
the frames, each with further flips at 6/256), half new videos that match nothing. Expected answer:
the copied video for the first half, nothing for the others; any other answer fails the run.

Vigil is measured at ``--videos`` (default 100,000 videos, about 6 M frame hashes) and at the peer's
size, pytx at ``--peer-videos`` (default 10,000: its index is a brute-force scan in FAISS, and its
build is per-video Python). Each index is built in its own process (peak RSS of that process, inputs
included) and, for Vigil, served from its snapshot in another. Query latency is one video at a time:
p50 and p95 of the wall time of ``query``, and the ratio to pytx at the same size.

    .venv/bin/python -m bench video_matching [-- --videos 100000 --peer-videos 10000]

Files go to ``bench/.cache/video_matching/`` (deleted afterwards unless ``--keep``), results to
``bench/results/video_matching-<time>.{json,md}``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

BENCH_DIR: Final = Path(__file__).resolve().parent
CACHE_DIR: Final = BENCH_DIR / ".cache" / "video_matching"
RESULTS_DIR: Final = BENCH_DIR / "results"
#: The issue's goal: one video query against 100,000 indexed videos.
TARGET_MS: Final = 50.0
FRAME_FLIP: Final = 5 / 256
QUERY_FLIP: Final = 6 / 256

U8 = npt.NDArray[np.uint8]


# -- data ---------------------------------------------------------------------------------------------


def _noisy(rng: np.random.Generator, base: U8, p: float) -> U8:
    """Each row of ``base`` with every bit flipped with probability ``p``."""
    out = np.empty_like(base)
    block = 200_000
    for lo in range(0, base.shape[0], block):
        part = base[lo : lo + block]
        flips = rng.random((part.shape[0], 256), dtype=np.float32) < np.float32(p)
        out[lo : lo + block] = part ^ np.packbits(flips, axis=1)
    return out


def make_videos(rng: np.random.Generator, n: int) -> dict[str, npt.NDArray[Any]]:
    lengths = rng.integers(30, 91, size=n)
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    bases = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    hashes = _noisy(rng, np.repeat(bases, lengths, axis=0), FRAME_FLIP)
    total = int(starts[-1])
    qualities = np.where(rng.random(total) < 0.05, rng.integers(0, 50, size=total), 100).astype(np.int32)
    seconds = np.arange(total, dtype=np.int64) - np.repeat(starts[:-1], lengths)
    return {
        "hashes": hashes,
        "qualities": qualities,
        "frame_numbers": (seconds * 30).astype(np.int32),
        "timestamps": seconds.astype(np.float64),
        "starts": starts,
        "ids": np.arange(n, dtype=np.int64) * 3 + 1,
    }


def make_queries(
    rng: np.random.Generator, data: dict[str, npt.NDArray[Any]], nq: int, among: int
) -> list[dict[str, Any]]:
    """Half copies of the first ``among`` indexed videos (``expect``: their id), half new videos
    (``expect``: None)."""
    starts, ids = data["starts"], data["ids"]
    out = []
    for k in range(nq):
        if k % 2 == 0:
            v = int(rng.integers(0, among))
            lo, hi = int(starts[v]), int(starts[v + 1])
            keep = max(1, int((hi - lo) * 0.8))
            first = lo + int(rng.integers(0, hi - lo - keep + 1))
            hashes = _noisy(rng, data["hashes"][first : first + keep], QUERY_FLIP)
            qualities = data["qualities"][first : first + keep]
            expect: int | None = int(ids[v])
        else:
            length = int(rng.integers(30, 91))
            base = rng.integers(0, 256, size=(1, 32), dtype=np.uint8)
            hashes = _noisy(rng, np.repeat(base, length, axis=0), FRAME_FLIP)
            qualities = np.full(length, 100, dtype=np.int32)
            expect = None
        n = hashes.shape[0]
        out.append(
            {
                "hashes": hashes,
                "qualities": qualities,
                "frame_numbers": np.arange(n, dtype=np.int32) * 30,
                "timestamps": np.arange(n, dtype=np.float64),
                "expect": expect,
            }
        )
    return out


def _save_queries(d: Path, queries: list[dict[str, Any]]) -> None:
    arrays = {f"{k}_{i}": q[k] for i, q in enumerate(queries) for k in ("hashes", "qualities")}
    np.savez(d / "queries.npz", **arrays)
    (d / "expect.json").write_text(json.dumps([q["expect"] for q in queries]))


def _load_queries(d: Path) -> list[dict[str, Any]]:
    saved = np.load(d / "queries.npz")
    expect = json.loads((d / "expect.json").read_text())
    out = []
    for i, e in enumerate(expect):
        hashes = saved[f"hashes_{i}"]
        n = hashes.shape[0]
        out.append(
            {
                "hashes": hashes,
                "qualities": saved[f"qualities_{i}"],
                "frame_numbers": np.arange(n, dtype=np.int32) * 30,
                "timestamps": np.arange(n, dtype=np.float64),
                "expect": e,
            }
        )
    return out


# -- contenders (each in its own process) -------------------------------------------------------------


def _peak_rss() -> int:
    """Peak RSS of this process in bytes (``VmHWM``: ``ru_maxrss`` would count the parent's before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _latencies(run: Any, queries: list[dict[str, Any]]) -> tuple[list[float], list[list[int]]]:
    times, answers = [], []
    for q in queries:
        start = time.perf_counter()
        ids = run(q)
        times.append(time.perf_counter() - start)
        answers.append(sorted(ids))
    return times, answers


def vigil_build(d: Path, size: int) -> dict[str, Any]:
    from vigil.index.vpdq import VpdqIndex
    from vigil.video.matching import Frames

    data = np.load(d / f"videos-{size}.npz")
    frames = Frames(data["hashes"], data["qualities"], data["frame_numbers"], data["timestamps"])
    start = time.perf_counter()
    index = VpdqIndex.from_arrays(frames, data["starts"], data["ids"])
    built = time.perf_counter() - start
    path = d / f"vigil-{size}.idx"
    start = time.perf_counter()
    index.save(path)
    return {
        "build_s": built,
        "save_s": time.perf_counter() - start,
        "frames": index.frames,
        "file_bytes": path.stat().st_size,
    }


def vigil_serve(d: Path, size: int) -> dict[str, Any]:
    from vigil.index.vpdq import VpdqIndex
    from vigil.video.matching import Frames
    from vigil.video.signal import frames_to_text

    queries = _load_queries(d)
    start = time.perf_counter()
    index = VpdqIndex.load(d / f"vigil-{size}.idx", populate=True)
    loaded = time.perf_counter() - start

    def run(q: dict[str, Any], threads: int | None = None) -> list[int]:
        frames = Frames(q["hashes"], q["qualities"], q["frame_numbers"], q["timestamps"])
        return [m.id for m in index.query(frames, threads=threads)]

    run(queries[0])  # numba's one-time start-up
    times, answers = _latencies(run, queries)
    one_thread, same = _latencies(lambda q: run(q, 1), queries)
    assert same == answers
    # The lookup path (GET /api/v1/lookup?signal_type=vpdq): the value as Meta's text, parsed, then
    # query_many (what the matcher calls), as pytx's timings include parsing its signal.
    texts = [
        frames_to_text(Frames(q["hashes"], q["qualities"], q["frame_numbers"], q["timestamps"]))
        for q in queries
    ]
    by_text = iter(texts)
    as_lookup, looked = _latencies(lambda q: [h.id for h in index.query_many([next(by_text)])[0]], queries)
    assert looked == answers
    return {
        "load_s": loaded,
        "times": times,
        "times_1": one_thread,
        "times_text": as_lookup,
        "answers": answers,
    }


def _pytx_index_class() -> Any:
    # pytx's vPDQ modules import the ``vpdq`` hashing binding (FFmpeg, compiled at install) for type
    # names only; the matcher never calls it. Where the binding does not build, a stand-in module
    # satisfies the import so that pytx's own index code runs unchanged.
    try:
        importlib.import_module("vpdq")
    except ImportError:
        stand_in = types.ModuleType("vpdq")
        stand_in.VpdqFeature = object  # type: ignore[attr-defined]
        sys.modules["vpdq"] = stand_in
    from threatexchange.extensions.vpdq.vpdq_index import VPDQIndex

    return VPDQIndex


def _pytx_signal(hashes: U8, qualities: npt.NDArray[Any], stamps: npt.NDArray[Any]) -> str:
    """pytx's serialised vPDQ signal: a JSON list of ``hex,quality,timestamp``."""
    hexes = [bytes(row).hex() for row in hashes]
    return json.dumps(
        [
            f"{h},{int(q)},{float(t):.3f}"
            for h, q, t in zip(hexes, qualities.tolist(), stamps.tolist(), strict=True)
        ]
    )


def pytx_run(d: Path, size: int, nq: int) -> dict[str, Any]:
    index_class = _pytx_index_class()
    data = np.load(d / f"videos-{size}.npz")
    starts, ids = data["starts"], data["ids"]
    hashes, qualities, stamps = data["hashes"], data["qualities"], data["timestamps"]
    entries = [
        (_pytx_signal(hashes[lo:hi], qualities[lo:hi], stamps[lo:hi]), int(ident))
        for lo, hi, ident in zip(starts[:-1].tolist(), starts[1:].tolist(), ids.tolist(), strict=True)
    ]
    start = time.perf_counter()
    index = index_class.build(entries)
    built = time.perf_counter() - start
    del entries
    queries = _load_queries(d)[:nq]

    def run(q: dict[str, Any]) -> list[int]:
        signal = _pytx_signal(q["hashes"], q["qualities"], q["timestamps"])
        return [int(m.metadata) for m in index.query(signal)]

    times, answers = _latencies(run, queries)
    return {
        "build_s": built,
        "frames": int(index.index.faiss_index.ntotal),
        "times": times,
        "answers": answers,
    }


def worker(contender: str, d: Path, size: int, nq: int) -> None:
    if contender == "vigil-build":
        out = vigil_build(d, size)
    elif contender == "vigil-serve":
        out = vigil_serve(d, size)
    else:
        out = pytx_run(d, size, nq)
    out["peak_rss"] = _peak_rss()
    (d / f"{contender}-{size}.json").write_text(json.dumps(out))


def _spawn(contender: str, d: Path, size: int, nq: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.video_matching", "--worker", contender, str(d), str(size), str(nq)]
    subprocess.run(cmd, check=True, cwd=BENCH_DIR.parent)
    result: dict[str, Any] = json.loads((d / f"{contender}-{size}.json").read_text())
    return result


# -- driver ---------------------------------------------------------------------------------------------


def _ms(times: list[float], pct: float) -> float:
    return float(np.percentile(np.array(times) * 1000, pct))


def _wrong(answers: list[list[int]], expect: list[int | None]) -> int:
    return sum(a != ([] if e is None else [e]) for a, e in zip(answers, expect, strict=False))


def run(args: argparse.Namespace) -> dict[str, Any]:
    d = CACHE_DIR
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    sizes = sorted({args.videos, args.peer_videos})
    print(f"generating {max(sizes):,} videos...", file=sys.stderr, flush=True)
    everything = make_videos(rng, max(sizes))
    for size in sizes:
        end = int(everything["starts"][size])
        part: dict[str, Any] = {k: v[:end] for k, v in everything.items() if k not in ("starts", "ids")}
        part |= {"starts": everything["starts"][: size + 1], "ids": everything["ids"][:size]}
        np.savez(d / f"videos-{size}.npz", **part)
    # Queries copy videos within the smaller size, so that every size has the same expected answers.
    queries = make_queries(rng, everything, args.queries, min(sizes))
    del everything
    _save_queries(d, queries)
    expect = [q["expect"] for q in queries]
    rows: dict[str, Any] = {}
    for size in sizes:
        print(f"vigil: {size:,} videos: build", file=sys.stderr, flush=True)
        built = _spawn("vigil-build", d, size, args.queries)
        print(f"vigil: {size:,} videos: serve", file=sys.stderr, flush=True)
        served = _spawn("vigil-serve", d, size, args.queries)
        rows[f"vigil-{size}"] = {"size": size, **built, "build_rss": built["peak_rss"], **served}
        (d / f"vigil-{size}.idx").unlink(missing_ok=True)
    if not args.no_peer:
        print(
            f"pytx: {args.peer_videos:,} videos: build and {args.peer_queries} queries",
            file=sys.stderr,
            flush=True,
        )
        rows["pytx"] = {"size": args.peer_videos, **_spawn("pytx", d, args.peer_videos, args.peer_queries)}
    return {"rows": rows, "expect": expect, "args": vars(args)}


def _check(result: dict[str, Any]) -> list[str]:
    """Wrong answers, and disagreement between Vigil and pytx at the same size."""
    expect = result["expect"]
    problems = []
    for name, row in result["rows"].items():
        bad = _wrong(row["answers"], expect)
        if bad:
            problems.append(f"{name}: {bad} wrong answers")
    peer = result["rows"].get("pytx")
    if peer is not None:
        ours = result["rows"][f"vigil-{peer['size']}"]["answers"][: len(peer["answers"])]
        if ours != peer["answers"]:
            problems.append("vigil and pytx disagree at the same size")
    return problems


def _table(result: dict[str, Any]) -> str:
    rows = result["rows"]
    lines = [
        "| index | videos | frames | build s | ready s | RSS build/serve MB | p50 ms | p95 ms "
        "| 1 thread p50/p95 | lookup by text p50/p95 | n |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        frames = f"{r['frames']:,}" if "frames" in r else "?"
        rss = (
            f"{r['peak_rss'] / 1e6:.0f}"
            if name == "pytx"
            else f"{r['build_rss'] / 1e6:.0f} / {r['peak_rss'] / 1e6:.0f}"
        )
        ready = f"{r['load_s']:.2f}" if "load_s" in r else "-"
        one = f"{_ms(r['times_1'], 50):.1f} / {_ms(r['times_1'], 95):.1f}" if "times_1" in r else "-"
        text = (
            f"{_ms(r['times_text'], 50):.1f} / {_ms(r['times_text'], 95):.1f}" if "times_text" in r else "-"
        )
        lines.append(
            f"| {name} | {r['size']:,} | {frames} | {r['build_s']:.1f} | {ready} | {rss} | "
            f"{_ms(r['times'], 50):.1f} | {_ms(r['times'], 95):.1f} | {one} | {text} | {len(r['times'])} |"
        )
    out = "\n".join(lines)
    peer = rows.get("pytx")
    if peer is not None:
        ours = rows[f"vigil-{peer['size']}"]
        n = len(peer["times"])
        ratio = _ms(peer["times"], 50) / _ms(ours["times"][:n], 50)
        by_text = _ms(peer["times"], 50) / _ms(ours["times_text"][:n], 50)
        out += (
            f"\n\nAt {peer['size']:,} videos, pytx p50 / Vigil p50 (same {n} queries): {ratio:.0f}x "
            f"({by_text:.0f}x on the lookup path, both parsing their text); build "
            f"{peer['build_s'] / ours['build_s']:.1f}x; peak RSS pytx {peer['peak_rss'] / 1e6:.0f} MB vs "
            f"Vigil serving {ours['peak_rss'] / 1e6:.0f} MB."
        )
    big = rows[f"vigil-{max(r['size'] for r in rows.values())}"]
    met = "met" if _ms(big["times"], 95) < TARGET_MS else "NOT met"
    out += f"\nGoal: a query against {big['size']:,} videos in < {TARGET_MS:.0f} ms (p95): {met}."
    return out


def _environment() -> str:
    from importlib.metadata import version

    libs = ", ".join(f"{name} {version(name)}" for name in ("numba", "numpy", "faiss-cpu", "threatexchange"))
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; {libs}. "
        "One query at a time, each index in its own processes; Vigil serves a mapped snapshot "
        "(read into the page cache first), pytx its in-memory index; pytx's timings include parsing "
        "its JSON signal, which is its API."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.video_matching", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--videos", type=int, default=100_000, help="videos Vigil indexes (default %(default)s)"
    )
    parser.add_argument("--peer-videos", type=int, default=10_000, help="videos for the side-by-side run")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--peer-queries", type=int, default=40, help="queries pytx answers")
    parser.add_argument("--no-peer", action="store_true", help="Vigil only")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep bench/.cache/video_matching/")
    parser.add_argument(
        "--worker", nargs=4, metavar=("WHO", "DIR", "SIZE", "QUERIES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        who, folder, size, nq = args.worker
        worker(who, Path(folder), int(size), int(nq))
        return 0
    try:
        result = run(args)
    finally:
        if not args.keep:
            shutil.rmtree(CACHE_DIR, ignore_errors=True)
    problems = _check(result)
    report = _environment() + "\n\n" + _table(result)
    if problems:
        report += "\n\nFAILED: " + "; ".join(problems)
    print("\n" + report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"video_matching-{stamp}.json").write_text(json.dumps(result, indent=1))
    (RESULTS_DIR / f"video_matching-{stamp}.md").write_text(report)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
