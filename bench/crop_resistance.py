"""Crop resistance (issue 19): Vigil's ``pdq_regions`` against PDQ (8 dihedrals), imagehash's
``crop_resistant_hash`` and OpenCV SIFT + RANSAC, in the same run, on benign photos only.

Pictures: the benchmark corpus's ``mixed`` and ``extra`` photos (bench/corpus.py: wallpapers and sample
photos from Debian packages and PyPI wheels), one file per *picture* (a wallpaper shipped at several sizes
is one picture: ``picture_of``), less every picture one of whose files is among every sixth ``mixed``
file (``files[::6]``), which served to tune the regions; each scaled to at most 1024 pixels on its longer
side (the stored original). Distractors: every corpus file plus generated scenes
(``vigil.demo.images.scene``) up to ``--distractors`` pictures.

Measured per contender:

- recall per transform: the share of known pictures found (the right id among the matches) when each is
  queried, transformed, against an index of the known pictures plus the distractors (PDQ, regions) or
  compared with its own original (imagehash, SIFT: 1:1, their matching does not scale to an index);
- false matches on all pairs of different pictures among the distractors (PDQ: any dihedral within 31;
  regions: a verified match either way; combined: either, the rule lookups and scans apply when
  ``VIGIL_PDQ_REGIONS`` is on), also split into the tuning pictures' pairs and the others; the peers on
  the pairs of a subset, their comparison being slow;
- ms per picture to hash (12 MP phone-size JPEGs, one process), bytes per picture stored, and ms per
  query at 1 M known pictures (``--million``; random stored hashes, real queries); the peers have no
  index, so theirs is 1 M times one comparison, as timed on their false-match pairs.

The peers are measured on ``--peers`` known pictures spread over the sorted list (1:1) and their false
matches on the pairs of ``--peer-pairs`` known pictures. ``--matching-only`` measures recall and false
matches of PDQ and regions alone (a quick run while tuning).

    .venv/bin/python -m bench crop_resistance [-- --matching-only]   (takes the benchmark lock itself)

Hashes are kept in ``bench/.cache/crop_resistance/`` between runs (keyed by the regions' geometry), so that
a re-run after changing the verification only re-matches.

Results also go to ``bench/results/crop_resistance-<time>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import pickle
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import numpy as np
from PIL import Image, ImageEnhance
from rich.console import Console
from rich.progress import track
from rich.table import Table

from bench import corpus
from vigil.demo.images import scene
from vigil.index import PdqIndex, RegionIndex
from vigil.signals import regions as region_signal
from vigil.signals.content import HashOptions, hash_bytes

RESULTS_DIR: Final = corpus.BENCH_DIR / "results"
HASH_CACHE: Final = corpus.CACHE_DIR / "crop_resistance"
LONG_SIDE: Final = 1024
PDQ_THRESHOLD: Final = 31
SIFT_INLIERS: Final = 15
SIFT_FEATURES: Final = 500

Edit = Callable[[Image.Image, int], Image.Image]


def _crop(left: float, top: float, right: float, bottom: float) -> Callable[[Image.Image], Image.Image]:
    def run(im: Image.Image) -> Image.Image:
        w, h = im.size
        return im.crop((round(left * w), round(top * h), round(w - right * w), round(h - bottom * h)))

    return run


def _one_side(share: float) -> Edit:
    """A crop of one side, the side turning with the picture's number."""
    sides = [(share, 0, 0, 0), (0, share, 0, 0), (0, 0, share, 0), (0, 0, 0, share)]
    return lambda im, n: _crop(*sides[n % 4])(im)


def _pad(share: float) -> Edit:
    def run(im: Image.Image, n: int) -> Image.Image:
        w, h = im.size
        colour = [(0, 0, 0), (255, 255, 255), (128, 128, 128)][n % 3]
        out = Image.new("RGB", (round(w * (1 + 2 * share)), round(h * (1 + 2 * share))), colour)
        out.paste(im, (round(w * share), round(h * share)))
        return out

    return run


def _half(im: Image.Image) -> Image.Image:
    return im.resize((max(1, im.size[0] // 2), max(1, im.size[1] // 2)), Image.Resampling.LANCZOS)


#: name → (edit, JPEG quality of the copy).
TRANSFORMS: Final[dict[str, tuple[Edit, int]]] = {
    "crop 5 %": (lambda im, n: _crop(0.05, 0.05, 0.05, 0.05)(im), 90),
    "crop 10 %": (lambda im, n: _crop(0.1, 0.1, 0.1, 0.1)(im), 90),
    "crop 15 %": (lambda im, n: _crop(0.15, 0.15, 0.15, 0.15)(im), 90),
    "crop 20 %": (lambda im, n: _crop(0.2, 0.2, 0.2, 0.2)(im), 90),
    "one side 10 %": (_one_side(0.1), 90),
    "one side 25 %": (_one_side(0.25), 90),
    "border 10 %": (_pad(0.1), 90),
    "crop 15 % + half + q50": (lambda im, n: _half(_crop(0.15, 0.15, 0.15, 0.15)(im)), 50),
    "identical": (lambda im, n: im, 90),
    "half size": (lambda im, n: _half(im), 90),
    "JPEG q30": (lambda im, n: im, 30),
    "brighter 20 %": (lambda im, n: ImageEnhance.Brightness(im).enhance(1.2), 90),
    "rotate 90": (lambda im, n: im.rotate(90, expand=True), 90),
    "mirror": (lambda im, n: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 90),
}
#: The goals of issue 19, by transform.
GOALS: Final = {"crop 5 %": 0.95, "crop 10 %": 0.90, "crop 20 %": 0.75, "one side 25 %": 0.75}


def _jpeg(im: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    im.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _original(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        rgb = opened.convert("RGB")
    scale = LONG_SIDE / max(rgb.size)
    if scale < 1:
        rgb = rgb.resize((round(rgb.size[0] * scale), round(rgb.size[1] * scale)), Image.Resampling.LANCZOS)
    return rgb


@dataclass(frozen=True)
class Hashed:
    pdq: tuple[str, ...]  # 8 dihedrals
    value: str | None  # pdq_regions stored value
    query: str | None  # pdq_regions query form


_OPTIONS: Final = HashOptions(dihedral=True, regions=True)


def _hash(data: bytes) -> Hashed:
    signals = hash_bytes("x.jpg", data, _OPTIONS).signals
    variants = signals.variants.get("pdq", ())
    regions = signals.variants.get("pdq_regions", (None,))
    return Hashed(tuple(variants), signals.get("pdq_regions"), regions[0])


def _transformed(job: tuple[str, int, str]) -> Hashed:
    path, n, name = job
    edit, quality = TRANSFORMS[name]
    return _hash(_jpeg(edit(_original(Path(path)), n), quality))


def _stored(path: str) -> Hashed:
    return _hash(_jpeg(_original(Path(path))))


def _scene(seed: int) -> Hashed:
    return _hash(_jpeg(scene(10_000 + seed, (800, 600))))


def picture_of(path: Path) -> str:
    """The picture a corpus file shows: the same wallpaper at several sizes is one picture."""
    # Plasma: <name>/contents/images/<size> and <name>/contents/screenshot (the same picture, smaller)
    name = re.sub(r"_contents_.*$", "", path.stem)
    return re.sub(r"[_-]\d{3,5}x\d{3,5}$", "", name)


def _largest(paths: Sequence[Path]) -> Path:
    def pixels(p: Path) -> int:
        with Image.open(p) as im:
            return im.size[0] * im.size[1]

    return max(paths, key=lambda p: (pixels(p), p.name))


def _cache_key() -> str:
    """The hashes depend on the regions' geometry and quality floor, not on the verification."""
    spec = repr(
        (
            region_signal.KNOWN_REGIONS,
            region_signal.QUERY_REGIONS,
            region_signal.MIN_REGION_QUALITY,
            region_signal.MIN_REGION_STD,
            region_signal.STABLE_BITS,
            region_signal.JITTER,
        )
    )
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def _cached_map(
    pool: ProcessPoolExecutor, name: str, run: Callable[[Any], Hashed], jobs: Sequence[Any], label: str
) -> list[Hashed]:
    """``pool.map(run, jobs)``, each result kept on disk by its job."""
    path = HASH_CACHE / f"{name}-{_cache_key()}.pkl"
    known: dict[Any, Hashed] = {}
    if path.is_file():
        # Plain tuples on disk: the module runs as __main__ or as bench.crop_resistance alike.
        with path.open("rb") as f:
            known = {job: Hashed(*fields) for job, fields in pickle.load(f).items()}
    todo = [j for j in jobs if j not in known]
    if todo:
        done = track(pool.map(run, todo, chunksize=4), total=len(todo), description=label)
        known.update(zip(todo, done, strict=True))
        HASH_CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump({job: (h.pdq, h.value, h.query) for job, h in known.items()}, f)
        tmp.replace(path)
    return [known[j] for j in jobs]


# -- peers -----------------------------------------------------------------------------------------------


def _imagehash(im: Image.Image) -> Any:
    import imagehash

    return imagehash.crop_resistant_hash(im)


def _imagehash_match(a: Any, b: Any) -> bool:
    return bool(a.matches(b))


def _sift(im: Image.Image) -> tuple[Any, Any]:
    import cv2

    # Typed as Any: OpenCV's stubs do not all declare SIFT_create, and lint also runs without OpenCV.
    opencv: Any = cv2
    grey = np.asarray(im.convert("L"))
    sift = opencv.SIFT_create(nfeatures=SIFT_FEATURES)
    keypoints, descriptors = sift.detectAndCompute(grey, None)
    points = np.array([k.pt for k in keypoints], dtype=np.float32).reshape(-1, 2)
    return points, descriptors


def _sift_match(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    """Lowe's ratio test, then a RANSAC homography with at least ``SIFT_INLIERS`` inliers."""
    import cv2

    (pa, da), (pb, db) = a, b
    if da is None or db is None or len(da) < 2 or len(db) < 2:
        return False
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(da, db, k=2)
    good = [m for m, n in (p for p in pairs if len(p) == 2) if m.distance < 0.75 * n.distance]
    if len(good) < SIFT_INLIERS:
        return False
    src = pa[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    dst = pb[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    _, mask = cv2.findHomography(src, dst, cv2.RANSAC, 5.0)
    return mask is not None and int(mask.sum()) >= SIFT_INLIERS


# -- measures --------------------------------------------------------------------------------------------


def _pdq_found(index: PdqIndex, hashes: Sequence[str], want: int) -> tuple[bool, list[int]]:
    matches = index.query_dihedral(list(hashes), PDQ_THRESHOLD)
    return any(m.id == want for m in matches), [m.id for m in matches]


Pairs = set[tuple[int, int]]


def _pairs_pdq(hashed: Sequence[Hashed], pictures: Sequence[str]) -> Pairs:
    """Unordered pairs of different pictures with any dihedral within the threshold."""
    index = PdqIndex.build([h.pdq[0] for h in hashed])
    pairs: Pairs = set()
    for n, h in enumerate(hashed):
        for m in index.query_dihedral(list(h.pdq), PDQ_THRESHOLD):
            if pictures[m.id] != pictures[n]:
                pairs.add((min(n, m.id), max(n, m.id)))
    return pairs


def _pairs_regions(hashed: Sequence[Hashed], pictures: Sequence[str]) -> Pairs:
    """Unordered pairs of different pictures matched by the region index, either way."""
    rows = [n for n, h in enumerate(hashed) if h.value]
    index = RegionIndex.build([hashed[n].value or "" for n in rows], rows)
    pairs: Pairs = set()
    queries = [(n, h.query) for n, h in enumerate(hashed) if h.query]
    for (n, _), found in zip(queries, index.query_many([q for _, q in queries]), strict=True):
        for m in found:
            if pictures[m.id] != pictures[n]:
                pairs.add((min(n, m.id), max(n, m.id)))
    return pairs


def _false_matches(
    hashed: Sequence[Hashed], pictures: Sequence[str], tuning: Sequence[bool]
) -> dict[str, Any]:
    """False matches of PDQ, regions and their union (the system's rule), overall and on the pairs of
    the tuning pictures only and of the others only."""
    n = len(hashed)
    same = sum(1 for i in range(n) for j in range(i + 1, n) if pictures[i] == pictures[j])
    pdq, regions = _pairs_pdq(hashed, pictures), _pairs_regions(hashed, pictures)
    both = pdq | regions
    out: dict[str, Any] = {
        "pairs": n * (n - 1) // 2 - same,
        "pdq": len(pdq),
        "regions": len(regions),
        "combined": len(both),
        "regions_not_pdq": len(regions - pdq),
        "regions_not_pdq_examples": sorted(f"{pictures[i]} ~ {pictures[j]}" for i, j in regions - pdq)[:40],
    }
    for part, keep in (("tuning", True), ("evaluation", False)):

        def inside(pair: tuple[int, int], keep: bool = keep) -> bool:
            return tuning[pair[0]] is keep and tuning[pair[1]] is keep

        out[part] = {"pdq": sum(map(inside, pdq)), "combined": sum(map(inside, both))}
    return out


def _peer_hash(extract: Callable[[Image.Image], object], data: bytes) -> object:
    with Image.open(io.BytesIO(data)) as im:
        return extract(im)


def _timed_ms(run: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        run()
    return (time.perf_counter() - start) * 1000 / repeat


def _hash_costs(console: Console, count: int) -> dict[str, float]:
    """ms per 12 MP JPEG, one process: PDQ fast mode, with regions, and the peers' extraction."""
    files = corpus.subset_files("gen-4000")[:count]
    datas = [f.read_bytes() for f in files]
    plain, both = HashOptions(), HashOptions(regions=True)
    for data in datas[:2]:  # warm the JIT and caches
        hash_bytes("x.jpg", data, both)
    out: dict[str, float] = {}
    # Interleaved, so that the load of the shared machine falls on both alike.
    pdq_ms: list[float] = []
    regions_ms: list[float] = []
    for data in datas:
        pdq_ms.append(_timed_ms(partial(hash_bytes, "x.jpg", data, plain), 1))
        regions_ms.append(_timed_ms(partial(hash_bytes, "x.jpg", data, both), 1))
    out["pdq_fast_ms"] = float(np.median(pdq_ms))
    out["pdq_fast_plus_regions_ms"] = float(np.median(regions_ms))
    out["regions_ratio"] = out["pdq_fast_plus_regions_ms"] / out["pdq_fast_ms"]
    few = datas[: max(2, count // 4)]
    out["imagehash_ms"] = float(np.median([_timed_ms(partial(_peer_hash, _imagehash, d), 1) for d in few]))
    out["sift_ms"] = float(np.median([_timed_ms(partial(_peer_hash, _sift, d), 1) for d in few]))
    console.print(f"hashing 12 MP: {json.dumps({k: round(v, 2) for k, v in out.items()})}")
    return out


def _million(console: Console, size: int, queries: Sequence[Hashed]) -> dict[str, float]:
    """ms per query against ``size`` known pictures (random stored hashes; the queries are real)."""
    rng = np.random.default_rng(19)
    raw = rng.integers(0, 256, size=(size, len(region_signal.KNOWN_REGIONS) * 32), dtype=np.uint8)
    values = [bytes(r).hex() for r in raw]
    start = time.perf_counter()
    regions = RegionIndex.build(values)
    build_regions = time.perf_counter() - start
    del values
    pdq = PdqIndex.build(rng.integers(0, 256, size=(size, 32), dtype=np.uint8))
    with tempfile.TemporaryDirectory() as tmp:
        regions.save(Path(tmp) / "r.vidx")
        pdq.save(Path(tmp) / "p.vidx")
        region_bytes = (Path(tmp) / "r.vidx").stat().st_size / size
        pdq_bytes = (Path(tmp) / "p.vidx").stat().st_size / size
    asked = [q for q in queries if q.query][:100]
    regions.query_many([asked[0].query or ""])  # warm
    region_ms = float(np.median([_timed_ms(partial(regions.query_many, [q.query or ""]), 1) for q in asked]))
    pdq_ms = float(
        np.median([_timed_ms(partial(pdq.query_dihedral, list(q.pdq), PDQ_THRESHOLD), 1) for q in asked])
    )
    out = {
        "pictures": float(size),
        "regions_query_ms": region_ms,
        "pdq_dihedral_query_ms": pdq_ms,
        "regions_build_s": build_regions,
        "regions_bytes_per_picture": region_bytes,
        "pdq_bytes_per_picture": pdq_bytes,
    }
    console.print(f"at {size:,} known pictures: {json.dumps({k: round(v, 2) for k, v in out.items()})}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench crop_resistance", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--known", type=int, default=None, help="Known pictures queried per transform (default: all)."
    )
    parser.add_argument(
        "--distractors", type=int, default=1200, help="Pictures whose pairs count false matches."
    )
    parser.add_argument(
        "--peers", type=int, default=40, help="Known pictures the slow peers are measured on."
    )
    parser.add_argument("--peer-pairs", type=int, default=80, help="Pictures whose pairs the peers compare.")
    parser.add_argument(
        "--million", type=int, default=1_000_000, help="Known pictures of the query-time test."
    )
    parser.add_argument("--hash-count", type=int, default=12, help="12 MP pictures timed.")
    parser.add_argument(
        "--photos", type=int, default=None, help="Use only the first corpus photos (quick runs)."
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--matching-only",
        action="store_true",
        help="Recall and false matches of PDQ and regions only (no peers, hashing cost or 1 M test).",
    )
    args = parser.parse_args(argv)
    console = Console()
    if not corpus.subset_files(corpus.MIXED) or not corpus.subset_files(corpus.EXTRA):
        corpus.main([])
    mixed = corpus.subset_files(corpus.MIXED)
    tuning_pictures = {picture_of(p) for p in mixed[::6]}
    photos = (mixed + corpus.subset_files(corpus.EXTRA))[: args.photos]
    by_picture: dict[str, list[Path]] = {}
    for path in photos:
        if picture_of(path) not in tuning_pictures:
            by_picture.setdefault(picture_of(path), []).append(path)
    known_files = [_largest(files) for _, files in sorted(by_picture.items())][: args.known]
    console.print(
        f"{len(known_files)} known pictures ({len(tuning_pictures)} tuning pictures left out), "
        f"{len(photos)} corpus files"
    )
    extra = max(0, args.distractors - len(photos))
    with ProcessPoolExecutor(args.jobs) as pool:
        stored = _cached_map(pool, "originals", _stored, [str(p) for p in photos], "originals")
        scenes = _cached_map(pool, "scenes", _scene, list(range(extra)), "distractors")
        by_path = dict(zip(photos, stored, strict=True))
        known = [by_path[p] for p in known_files]
        jobs = [(str(p), n, name) for name in TRANSFORMS for n, p in enumerate(known_files)]
        copies = _cached_map(pool, "copies", _transformed, jobs, "copies")
    distractors = stored + scenes
    pictures = [picture_of(p) for p in photos] + [f"scene {n}" for n in range(extra)]
    # Tuning pairs: the tuning photos and every other scene; what tunes the verification never judges it.
    tuning_flags = [picture_of(p) in tuning_pictures for p in photos] + [n % 2 == 0 for n in range(extra)]
    # The index holds every corpus photo and generated scene: known pictures among distractors.
    pdq_index = PdqIndex.build([h.pdq[0] for h in distractors])
    rows = [n for n, h in enumerate(distractors) if h.value]
    region_index = RegionIndex.build([distractors[n].value or "" for n in rows], rows)
    want = [photos.index(p) for p in known_files]
    results: dict[str, Any] = {"known": len(known_files), "distractors": len(distractors), "transforms": {}}
    results["known_with_a_region"] = sum(
        any(r != region_signal.ZERO for r in region_signal.split(k.value or "")) for k in known
    )
    table = Table(title=f"found, of {len(known_files)} known pictures (peers: of {args.peers}, 1:1)")
    for column in (
        "transform",
        "PDQ 8 dihedrals",
        "pdq_regions",
        "PDQ or regions",
        "PDQ or regions, pictures with a region",
        "imagehash crop-res.",
        "SIFT+RANSAC",
        "goal",
    ):
        table.add_column(column, justify="left" if column == "transform" else "right")
    peers = 0 if args.matching_only else args.peers
    peer_known = known_files[:: max(1, len(known_files) // max(1, peers))][:peers]
    peer_ih = [_imagehash(_original(p)) for p in track(peer_known, description="imagehash originals")]
    peer_sift = [_sift(_original(p)) for p in peer_known]
    for t, name in enumerate(TRANSFORMS):
        got = copies[t * len(known_files) : (t + 1) * len(known_files)]
        pdq_hits = [
            bool(c.pdq) and _pdq_found(pdq_index, c.pdq, w)[0] for c, w in zip(got, want, strict=True)
        ]
        answers = region_index.query_many([c.query or "" for c in got if c.query])
        it = iter(answers)
        reg_hits = [
            bool(c.query) and any(m.id == w for m in next(it)) for c, w in zip(got, want, strict=True)
        ]
        either = [a or b for a, b in zip(pdq_hits, reg_hits, strict=True)]
        hashable = [any(r != region_signal.ZERO for r in region_signal.split(k.value or "")) for k in known]
        edit, quality = TRANSFORMS[name]
        ih_hits, sift_hits = [], []
        for n, p in enumerate(peer_known):
            im = Image.open(io.BytesIO(_jpeg(edit(_original(p), n), quality)))
            ih_hits.append(_imagehash_match(_imagehash(im), peer_ih[n]))
            sift_hits.append(_sift_match(_sift(im), peer_sift[n]))
        row = {
            "pdq": float(np.mean(pdq_hits)),
            "regions": float(np.mean(reg_hits)),
            "either": float(np.mean(either)),
            # Pictures with no region of quality 10 (flat drawings, gradients) left out.
            "either_hashable": float(np.mean([e for e, h in zip(either, hashable, strict=True) if h])),
            "imagehash": float(np.mean(ih_hits)) if ih_hits else float("nan"),
            "sift": float(np.mean(sift_hits)) if sift_hits else float("nan"),
        }
        results["transforms"][name] = row
        goal = GOALS.get(name)
        columns = ("pdq", "regions", "either", "either_hashable", "imagehash", "sift")
        shares = [f"{100 * row[k]:.1f} %" for k in columns]
        table.add_row(name, *shares, "" if goal is None else f">= {100 * goal:.0f} %")
    console.print(table)
    false = _false_matches(distractors, pictures, tuning_flags)
    results["false_matches"] = false
    console.print(f"false matches: {json.dumps(false, indent=1)}")
    if not args.matching_only:
        _peers_and_costs(args, console, results, known, known_files, by_path, peer_ih, peer_sift)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"crop_resistance-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    console.print(f"results: {out}")
    return 0


def _peers_and_costs(
    args: argparse.Namespace,
    console: Console,
    results: dict[str, Any],
    known: Sequence[Hashed],
    known_files: Sequence[Path],
    by_path: dict[Path, Hashed],
    peer_ih: Sequence[Any],
    peer_sift: Sequence[tuple[Any, Any]],
) -> None:
    """The peers' false matches on the pairs of a subset, hashing cost, bytes and the 1 M query test."""
    false = results["false_matches"]
    sub = known_files[:: max(1, len(known_files) // args.peer_pairs)][: args.peer_pairs]
    ih = [_imagehash(_original(p)) for p in track(sub, description="imagehash pairs")]
    sf = [_sift(_original(p)) for p in sub]
    false["peer_pairs"] = len(sub) * (len(sub) - 1) // 2
    pairs = [(i, j) for i in range(len(sub)) for j in range(i + 1, len(sub))]
    # Their matching is pairwise (no index): a query at 1 M known pictures is 1 M comparisons, one
    # process; measured here per comparison, times 1 M.
    start = time.perf_counter()
    false["imagehash"] = sum(_imagehash_match(ih[i], ih[j]) for i, j in pairs)
    middle = time.perf_counter()
    false["sift"] = sum(_sift_match(sf[i], sf[j]) for i, j in pairs)
    end = time.perf_counter()
    results["peer_query_ms_at_1m_linear"] = {
        "imagehash": (middle - start) * 1000 / max(1, len(pairs)) * 1_000_000,
        "sift": (end - middle) * 1000 / max(1, len(pairs)) * 1_000_000,
    }
    console.print(f"peers, 1 M comparisons (ms): {json.dumps(results['peer_query_ms_at_1m_linear'])}")
    sub_hashed = [by_path[p] for p in sub]
    sub_pictures = [picture_of(p) for p in sub]
    false["pdq_on_peer_pairs"] = len(_pairs_pdq(sub_hashed, sub_pictures))
    false["regions_on_peer_pairs"] = len(_pairs_regions(sub_hashed, sub_pictures))
    peer_keys = ("peer_pairs", "imagehash", "sift", "pdq_on_peer_pairs", "regions_on_peer_pairs")
    console.print(f"peers' false matches: {json.dumps({k: false[k] for k in peer_keys})}")
    results["hashing"] = _hash_costs(console, args.hash_count)
    results["stored_bytes"] = {
        "pdq": 32, "pdq_regions": len(region_signal.KNOWN_REGIONS) * 32,
        "imagehash": float(np.mean([len(h.segment_hashes) * 8 for h in peer_ih])),
        "sift": float(np.mean([0 if d is None else d.nbytes + 8 * len(d) for _, d in peer_sift])),
    }  # fmt: skip
    console.print(f"raw bytes per picture: {json.dumps(results['stored_bytes'])}")
    results["million"] = _million(console, args.million, known)


if __name__ == "__main__":
    raise SystemExit(main())
