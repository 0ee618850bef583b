"""PDQ matching: Vigil's ``PdqIndex`` against python-threatexchange's ``PDQIndex`` (what HMA uses, FAISS
multi-index hashing) and FAISS ``IndexBinaryFlat`` (brute force), in the same run.

Data (benign: random bit patterns, no images): N uniform random hashes plus planted near-duplicates of
half the queries at distances 0..31 (and a few at 32..40, which must not match); and a clustered set
(skewed bits, Zipf-sized near-duplicate clusters, a near-blank cluster). 1,000 queries, half planted,
threshold 31. Ground truth: FAISS ``IndexBinaryFlat`` range search (exhaustive).

Each contender runs in its own processes (build, then serve from the snapshot), so that peak RSS is its
own. Printed per contender: build time, time to a ready index from the snapshot (load + first query),
peak RSS of building and of serving, queries/s one at a time and batched, recall, and the ratios to
pytx. Vigil also reports: load without touching the pages (O(1) mapping), 10,000 adds and how soon
they match, and a full compaction.

    flock /tmp/vigil-bench.lock .venv/bin/python -m bench.matching [--sizes 1000000,10000000]

Files go to ``bench/.cache/matching/`` (deleted afterwards unless ``--keep``), results to
``bench/results/matching-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

BENCH_DIR: Final = Path(__file__).resolve().parent
CACHE_DIR: Final = BENCH_DIR / ".cache" / "matching"
RESULTS_DIR: Final = BENCH_DIR / "results"
THRESHOLD: Final = 31
CONTENDERS: Final = ("vigil", "pytx", "faiss-flat")
LABELS: Final = {"vigil": "Vigil PdqIndex", "pytx": "pytx PDQIndex", "faiss-flat": "FAISS BinaryFlat"}
#: Targets at 10 M (ratios to pytx): q/s one at a time, serving memory, ready-from-snapshot time.
TARGETS: Final = {"qps_single": 10.0, "rss": 0.25, "ready_vs_build": 0.05}
ADDS: Final = 10_000

U8 = npt.NDArray[np.uint8]


# -- data ---------------------------------------------------------------------------------------------


def _flip_bits(rng: np.random.Generator, rows: U8, counts: npt.NDArray[np.int64]) -> U8:
    """Each row with exactly ``counts[i]`` distinct bits flipped."""
    out = rows.copy()
    for i, k in enumerate(counts.tolist()):
        where = rng.choice(256, size=k, replace=False)
        bits = np.unpackbits(out[i])
        bits[where] ^= 1
        out[i] = np.packbits(bits)
    return out


def _noisy(rng: np.random.Generator, rows: U8, max_flips: int) -> U8:
    """Rows with each bit flipped with a per-row probability (k/256, k uniform in 0..max_flips)."""
    out = np.empty_like(rows)
    block = 200_000
    for lo in range(0, rows.shape[0], block):
        part = rows[lo : lo + block]
        p = rng.integers(0, max_flips + 1, size=part.shape[0]).astype(np.float32) / np.float32(256)
        flips = rng.random((part.shape[0], 256), dtype=np.float32) < p.reshape(-1, 1)
        out[lo : lo + block] = part ^ np.packbits(flips, axis=1)
    return out


def uniform_set(rng: np.random.Generator, n: int, nq: int) -> tuple[U8, U8, int]:
    """N random hashes plus planted near-duplicates; queries, the first half planted."""
    queries = rng.integers(0, 256, size=(nq, 32), dtype=np.uint8)
    planted = nq // 2
    # Near-duplicates at every distance 0..31, cycling, plus some just past the threshold.
    dists = np.concatenate([np.arange(planted * 2) % (THRESHOLD + 1), 32 + np.arange(planted // 4) % 9])
    owners = np.concatenate([np.arange(planted * 2) % planted, np.arange(planted // 4) % planted])
    near = _flip_bits(rng, queries[owners], dists)
    hashes = np.concatenate([rng.integers(0, 256, size=(n, 32), dtype=np.uint8), near])
    return hashes, queries, planted


def clustered_set(rng: np.random.Generator, n: int, nq: int) -> tuple[U8, U8, int]:
    """Skewed bits, Zipf-sized clusters of near-duplicates (0..40 bits from their centre), 0.1 %
    near-blank; queries: half stored rows moved 0..31 bits, half new draws from the same distribution."""
    bias = rng.uniform(0.25, 0.75, 256).astype(np.float32)
    ncentres = max(1, n // 64)
    centres = np.packbits(rng.random((ncentres, 256), dtype=np.float32) < bias, axis=1)
    weights = 1.0 / np.arange(1, ncentres + 1) ** 0.5
    pick = rng.choice(ncentres, size=n + nq, p=weights / weights.sum())
    rows = _noisy(rng, centres[pick], 40)
    blank = rng.random(n + nq) < 0.001
    rows[blank] = _noisy(rng, np.zeros((int(blank.sum()), 32), dtype=np.uint8), 8)
    hashes, fresh = rows[:n], rows[n:]
    planted = nq // 2
    targets = hashes[rng.integers(0, n, size=planted)]
    moved = _flip_bits(rng, targets, rng.integers(0, THRESHOLD + 1, size=planted))
    return hashes, np.concatenate([moved, fresh[: nq - planted]]), planted


# -- contenders (each call runs in a worker process) ------------------------------------------------------


def _hex(rows: U8) -> list[str]:
    text = rows.tobytes().hex()
    return [text[i : i + 64] for i in range(0, len(text), 64)]


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def vigil_build(d: Path) -> dict[str, Any]:
    from vigil.index import PdqIndex

    hashes = np.load(d / "hashes.npy")
    index, build_s = _timed(lambda: PdqIndex.build(hashes))
    _, save_s = _timed(lambda: index.save(d / "vigil.vidx"))
    return {"build_s": build_s, "save_s": save_s, "snapshot_bytes": (d / "vigil.vidx").stat().st_size}


def vigil_serve(d: Path, queries: U8, single: int) -> dict[str, Any]:
    from vigil.index import PdqIndex

    path = d / "vigil.vidx"
    _, map_s = _timed(lambda: PdqIndex.load(path))
    index, ready_s = _timed(lambda: _first(PdqIndex.load(path, populate=True), queries[0]))
    answers, single_s = _timed(lambda: [index.query(q, THRESHOLD) for q in queries[:single]])
    batch, batch_s = _timed(lambda: index.query_many(queries, THRESHOLD))
    assert batch[:single] == answers, "batched and one-at-a-time answers differ"
    out: dict[str, Any] = {
        "map_s": map_s,
        "ready_s": ready_s,
        "single_s": single_s,
        "batch_s": batch_s,
        "single": single,
    }
    out["results"] = [[m.id for m in a] for a in batch]
    out["serve_rss"] = _peak_rss()  # before the adds and the compaction below, which build more
    rng = np.random.default_rng(99)
    new = rng.integers(0, 256, size=(ADDS, 32), dtype=np.uint8)
    first_new = int(np.load(d / "hashes.npy", mmap_mode="r").shape[0])
    _, out["add_s"] = _timed(lambda: index.add(new, np.arange(ADDS) + first_new))
    hit, out["add_match_s"] = _timed(lambda: index.query(new[-1], 0))
    sample = index.query_many(new[:: ADDS // 100], 0)
    out["adds_found"] = hit == [(first_new + ADDS - 1, 0)] and all(len(a) == 1 for a in sample)
    _, delta_s = _timed(lambda: [index.query(q, THRESHOLD) for q in queries[:200]])
    out["qps_with_delta"] = 200 / delta_s
    _, out["compact_s"] = _timed(index.compact)
    return out


def _first(index: Any, query: U8) -> Any:
    index.query(query, THRESHOLD)
    return index


def pytx_build(d: Path) -> dict[str, Any]:
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    entries = [(h, i) for i, h in enumerate(_hex(np.load(d / "hashes.npy")))]
    start = time.perf_counter()
    index = PDQIndex(entries)
    build_s = time.perf_counter() - start
    entries.clear()

    def save() -> None:
        with (d / "pytx.pickle").open("wb") as f:
            index.serialize(f)

    _, save_s = _timed(save)
    return {"build_s": build_s, "save_s": save_s, "snapshot_bytes": (d / "pytx.pickle").stat().st_size}


def pytx_serve(d: Path, queries: U8, single: int) -> dict[str, Any]:
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    texts = _hex(queries)

    def load() -> Any:
        with (d / "pytx.pickle").open("rb") as f:
            index: Any = PDQIndex.deserialize(f)
        index.query(texts[0])
        return index

    index, ready_s = _timed(load)
    answers, single_s = _timed(lambda: [index.query(t) for t in texts[:single]])
    batch, batch_s = _timed(lambda: index.index.search_with_distance_in_result(texts, THRESHOLD))
    results = [[int(i) for i, _, _ in batch[t]] for t in texts]
    assert [sorted(m.metadata for m in a) for a in answers] == [sorted(r) for r in results[:single]]
    return {
        "ready_s": ready_s,
        "single_s": single_s,
        "batch_s": batch_s,
        "single": single,
        "results": results,
    }


def flat_build(d: Path) -> dict[str, Any]:
    import faiss

    hashes = np.load(d / "hashes.npy")
    index = faiss.IndexBinaryFlat(256)
    _, build_s = _timed(lambda: index.add(hashes))
    _, save_s = _timed(lambda: faiss.write_index_binary(index, str(d / "flat.faiss")))
    return {"build_s": build_s, "save_s": save_s, "snapshot_bytes": (d / "flat.faiss").stat().st_size}


def flat_serve(d: Path, queries: U8, single: int) -> dict[str, Any]:
    import faiss

    def load() -> Any:
        index = faiss.read_index_binary(str(d / "flat.faiss"))
        index.range_search(queries[:1], THRESHOLD + 1)
        return index

    index, ready_s = _timed(load)
    _, single_s = _timed(
        lambda: [index.range_search(queries[i : i + 1], THRESHOLD + 1) for i in range(single)]
    )
    (lims, _, ids), batch_s = _timed(lambda: index.range_search(queries, THRESHOLD + 1))
    results = [ids[lims[i] : lims[i + 1]].tolist() for i in range(queries.shape[0])]
    return {
        "ready_s": ready_s,
        "single_s": single_s,
        "batch_s": batch_s,
        "single": single,
        "results": results,
    }


WORKERS: Final[
    dict[str, tuple[Callable[[Path], dict[str, Any]], Callable[[Path, U8, int], dict[str, Any]]]]
] = {
    "vigil": (vigil_build, vigil_serve),
    "pytx": (pytx_build, pytx_serve),
    "faiss-flat": (flat_build, flat_serve),
}


def _peak_rss() -> int:
    """Peak RSS of this process in bytes. ``VmHWM`` rather than ``ru_maxrss``: the latter also counts
    the memory of the parent this process was forked from, before it ran ``exec``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def worker(contender: str, phase: str, d: Path, single: int) -> None:
    build, serve = WORKERS[contender]
    out = build(d) if phase == "build" else serve(d, np.load(d / "queries.npy"), single)
    out["peak_rss"] = _peak_rss()
    (d / f"{contender}-{phase}.json").write_text(json.dumps(out))


# -- driver ---------------------------------------------------------------------------------------------


def _spawn(contender: str, phase: str, d: Path, single: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.matching", "--worker", contender, phase, str(d), str(single)]
    subprocess.run(cmd, check=True, cwd=BENCH_DIR.parent)
    result: dict[str, Any] = json.loads((d / f"{contender}-{phase}.json").read_text())
    return result


def _recall(results: list[list[int]], truth: list[list[int]]) -> tuple[float, int]:
    """Share of the true matches found, and how many reported matches are not true ones."""
    found = sum(len(set(r) & set(t)) for r, t in zip(results, truth, strict=True))
    extra = sum(len(set(r) - set(t)) for r, t in zip(results, truth, strict=True))
    total = sum(len(t) for t in truth)
    return (found / total if total else 1.0), extra


def run_case(n: int, dataset: str, nq: int, contenders: list[str], pytx_single: int | None) -> dict[str, Any]:
    d = CACHE_DIR / f"{dataset}-{n}"
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(n + (1 if dataset == "clustered" else 0))
    make = uniform_set if dataset == "uniform" else clustered_set
    hashes, queries, planted = make(rng, n, nq)
    np.save(d / "hashes.npy", hashes)
    np.save(d / "queries.npy", queries)
    rows = hashes.shape[0]
    del hashes
    print(
        f"\n{dataset}: {rows:,} hashes, {nq} queries ({planted} planted), threshold {THRESHOLD}", flush=True
    )
    # Ground truth: the exhaustive FAISS search (run first, as a contender when it is one).
    order = ["faiss-flat", *(c for c in contenders if c != "faiss-flat")]
    truth: list[list[int]] = []
    case: dict[str, Any] = {"n": rows, "dataset": dataset, "queries": nq, "planted": planted, "rows": {}}
    for name in order:
        single = nq if name != "pytx" or pytx_single is None else min(nq, pytx_single)
        built = _spawn(name, "build", d, single if name in contenders else 0)
        served = _spawn(name, "serve", d, single if name in contenders else 0)
        if not truth:
            truth = served["results"]
            print(f"  ground truth: {sum(map(len, truth)):,} matches", flush=True)
        if name not in contenders:
            continue
        recall, extra = _recall(served.pop("results"), truth)
        row = {
            **{k: v for k, v in served.items() if k not in ("peak_rss", "serve_rss")},
            "build_s": built["build_s"],
            "snapshot_bytes": built["snapshot_bytes"],
            "build_rss": built["peak_rss"],
            "serve_rss": served.get("serve_rss", served["peak_rss"]),
            "qps_single": served["single"] / served["single_s"],
            "qps_batch": nq / served["batch_s"],
            "recall": recall,
            "extra": extra,
        }
        case["rows"][name] = row
        print(f"  {LABELS[name]}: done (build {row['build_s']:.1f} s, recall {recall:.4f})", flush=True)
    shutil.rmtree(d, ignore_errors=True)
    return case


def _table(case: dict[str, Any]) -> str:
    rows = case["rows"]
    ref = rows.get("pytx")
    head = (
        f"### N = {case['n']:,} ({case['dataset']}), {case['queries']} queries ({case['planted']} planted), "
        f"threshold {THRESHOLD}\n\n"
        "| contender | build s | ready from snapshot s | snapshot MB | peak RSS build MB | peak RSS serve MB "
        "| q/s one at a time | q/s batched | recall | extra |\n|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for name, r in rows.items():
        single = "" if r["single"] == case["queries"] else f" ({r['single']} queries)"
        lines.append(
            f"| {LABELS[name]} | {r['build_s']:.1f} | {r['ready_s']:.2f} | {r['snapshot_bytes'] / 1e6:.0f} "
            f"| {r['build_rss'] / 1e6:.0f} | {r['serve_rss'] / 1e6:.0f} | {r['qps_single']:,.0f}{single} "
            f"| {r['qps_batch']:,.0f} | {r['recall']:.4f} | {r['extra']} |"
        )
    out = head + "\n".join(lines) + "\n"
    v = rows.get("vigil")
    if v is not None:
        out += (
            f"\nVigil: snapshot mapped (O(1)) in {v['map_s'] * 1e3:.1f} ms; {ADDS:,} adds in "
            f"{v['add_s'] * 1e3:.0f} ms, matchable {v['add_match_s'] * 1e3:.1f} ms after add returned "
            f"(found: {v['adds_found']}); {v['qps_with_delta']:,.0f} q/s with them in the delta; "
            f"full compaction {v['compact_s']:.1f} s.\n"
        )
    if v is not None and ref is not None:
        ratios = {
            "qps_single": v["qps_single"] / ref["qps_single"],
            "qps_batch": v["qps_batch"] / ref["qps_batch"],
            "rss": v["serve_rss"] / ref["serve_rss"],
            "rss_build": v["build_rss"] / ref["build_rss"],
            "ready_vs_build": v["ready_s"] / ref["build_s"],
            "build": v["build_s"] / ref["build_s"],
        }
        case["ratios"] = ratios
        out += (
            f"Vigil / pytx: q/s one at a time {ratios['qps_single']:.1f}x "
            f"(target >= {TARGETS['qps_single']:.0f}x), batched {ratios['qps_batch']:.1f}x; "
            f"serving memory {ratios['rss']:.2f}x (target <= {TARGETS['rss']}x), "
            f"building memory {ratios['rss_build']:.2f}x; ready from snapshot "
            f"{ratios['ready_vs_build']:.4f}x pytx's build time (target <= {TARGETS['ready_vs_build']}x); "
            f"build {ratios['build']:.2f}x.\n"
        )
    return out


def _environment() -> str:
    from importlib.metadata import version

    libs = ", ".join(f"{name} {version(name)}" for name in ("numba", "numpy", "faiss-cpu", "threatexchange"))
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; {libs}. "
        "Each contender in its own processes; batched queries use every CPU (Vigil: threads; FAISS: "
        "OpenMP). Snapshots are read from the page cache. Vigil's ready time includes numba's one-time "
        "runtime start-up in the first query."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000000,10000000", help="comma-separated N (default: %(default)s)"
    )
    parser.add_argument("--datasets", default="uniform,clustered", help="uniform, clustered or both")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--pytx-queries", type=int, default=None, help="limit pytx's one-at-a-time queries")
    parser.add_argument("--keep", action="store_true", help="keep bench/.cache/matching/")
    parser.add_argument(
        "--worker", nargs=4, metavar=("CONTENDER", "PHASE", "DIR", "SINGLE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        contender, phase, folder, single = args.worker
        worker(contender, phase, Path(folder), int(single))
        return 0
    contenders = [c for c in args.contenders.split(",") if c]
    unknown = set(contenders) - set(CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders {sorted(unknown)}")
    cases = []
    try:
        for n in (int(s) for s in args.sizes.split(",") if s):
            for dataset in (s for s in args.datasets.split(",") if s):
                cases.append(run_case(n, dataset, args.queries, contenders, args.pytx_queries))
    finally:
        if not args.keep:
            shutil.rmtree(CACHE_DIR, ignore_errors=True)
    report = _environment() + "\n\n" + "\n".join(_table(c) for c in cases)
    print("\n" + report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"matching-{stamp}.json").write_text(json.dumps(cases, indent=1))
    (RESULTS_DIR / f"matching-{stamp}.md").write_text(report)
    failed = [c for c in cases if any(r["recall"] < 1.0 or r["extra"] for r in c["rows"].values())]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
