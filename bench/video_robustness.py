"""Video robustness: does a transformed copy of a video still match its original by Meta's vPDQ rule,
with Vigil (``vigil.video``) and with Meta's ``vpdq`` binding and python-threatexchange's vPDQ matcher
(the peer), in the same run, on benign videos only.

Sources: four of Meta's sample clips of ``shared/conformance/vpdq/videos`` (the chair, the door knob, the
test pattern and the padded-dimensions clip: different content; ``--shared`` names another folder) and
``--generated`` clips of moving shapes (``tests/videofiles.py``, 10 s, 30 frames a second, a seed each).
No Debian package installed here ships a video; none is fetched. Each source is cut to its first
``--seconds``.

Transforms, made in this process with PyAV (decode, change the frames, encode H.264):

- ``reencode``: CRF 38 (a low bitrate); ``half``: both sides halved; ``letterbox``: black bars added
  above and below (the picture kept whole, bars of 1/8 of its height each: 20 % of the new frame);
  ``trim``: the first and last 20 % of frames dropped; ``speed 1.5x``: every third frame dropped, the
  frame rate kept; ``logo``: a broadcaster's bug, a half-transparent white box with text
  in the top right corner, 1/8 of the width and 1/16 of the height (0.8 % of the frame; it was an
  opaque box of 1/4 by 1/8, 3 %, which no copy survived: PDQ moves 37 to 80 bits under it);
  ``greyscale``. The ``original`` row is the cut source re-encoded at CRF 18 (the baseline).
- ``Meta variants``: Meta's own transformed sample clips (chair at 19 s and 20 s, grey, sepia, small and
  large logo; the test pattern at SD grey and with logos) against their originals, as shipped.

Matching: the copy is the query, the source (cut, hashed from the file) the compared video; the rule is
Meta's: frames of quality >= 50, repeats dropped, distance <= 31, query-match >= 80 %, compared >= 0 %.
Vigil decides with ``vigil.video.matching.compare``, the peer with pytx's ``match_VPDQ_hash_brute``.
Vigil's query is what a lookup searches with: the copy's frames and, when Vigil finds letterbox bars in
it (``vigil.video.bars``), its frames inside the bars too, a match by either; the compared video is its
stored vPDQ (its own frames, Meta's). The files Vigil found bars in are listed after the table.
False matches: every copy and original of one source against every other source's original.

Time per clip: the seconds each contestant took to hash one file (mean over every file hashed).

    .venv/bin/python -m bench video_robustness [-- --seconds 10 --generated 3]

Results also go to ``bench/results/video_robustness-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import av
import numpy as np
import numpy.typing as npt
from av.video.stream import VideoStream
from PIL import Image, ImageDraw
from rich.console import Console
from rich.progress import track
from rich.table import Table

BENCH_DIR: Final = Path(__file__).resolve().parent
RESULTS_DIR: Final = BENCH_DIR / "results"
SHARED_VIDEOS: Final = BENCH_DIR.parent.parent / "shared" / "conformance" / "vpdq" / "videos"
SOURCES: Final = ("chair-orig-22-sd-bar", "doorknob-hd-no-bar", "pattern-hd-no-bar", "test-padded-dimensions")
#: Meta's transformed sample clips and the original each is a copy of.
META_VARIANTS: Final = {
    "chair-19-sd-bar": "chair-orig-22-sd-bar",
    "chair-20-sd-bar": "chair-orig-22-sd-bar",
    "chair-22-sd-grey-bar": "chair-orig-22-sd-bar",
    "chair-22-sd-sepia-bar": "chair-orig-22-sd-bar",
    "chair-22-with-large-logo-bar": "chair-orig-22-sd-bar",
    "chair-22-with-small-logo-bar": "chair-orig-22-sd-bar",
    "pattern-sd-grey-bar": "pattern-hd-no-bar",
    "pattern-sd-with-large-logo-bar": "pattern-hd-no-bar",
    "pattern-sd-with-small-logo-bar": "pattern-hd-no-bar",
}
QUERY_PERCENT: Final = 80.0
DISTANCE: Final = 31
QUALITY: Final = 50

RGB = npt.NDArray[np.uint8]
#: A transform: the source's frames (RGB, in order) to the copy's frames.
Transform = Callable[[list[RGB]], list[RGB]]


def _even(n: int) -> int:
    return max(2, n - n % 2)


def _resize(rgb: RGB, width: int, height: int) -> RGB:
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.BILINEAR))


def half(frames: list[RGB]) -> list[RGB]:
    return [_resize(f, _even(f.shape[1] // 2), _even(f.shape[0] // 2)) for f in frames]


def letterbox(frames: list[RGB]) -> list[RGB]:
    """The picture kept at full size with black bars of 1/8 of its height added above and below."""
    out = []
    for f in frames:
        bar = _even(f.shape[0] // 8)
        boxed = np.zeros((f.shape[0] + 2 * bar, f.shape[1], 3), dtype=np.uint8)
        boxed[bar : bar + f.shape[0]] = f
        out.append(boxed)
    return out


def trim(frames: list[RGB]) -> list[RGB]:
    cut = len(frames) // 5
    return frames[cut : len(frames) - cut]


def speed(frames: list[RGB]) -> list[RGB]:
    return [f for n, f in enumerate(frames) if n % 3 != 2]


def logo(frames: list[RGB]) -> list[RGB]:
    """A broadcaster's bug: a half-transparent white box with text, 1/8 of the width and 1/16 of the
    height (0.8 % of the frame), in the top right corner."""
    out = []
    for f in frames:
        h, w = f.shape[:2]
        box = (w - w // 8 - w // 40, h // 40, w - w // 40, h // 40 + h // 16)
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        draw.rectangle(box, fill=(245, 245, 245, 128))
        draw.text((box[0] + w // 100, box[1] + h // 100), "TV", fill=(30, 30, 90, 128))
        out.append(
            np.asarray(Image.alpha_composite(Image.fromarray(f).convert("RGBA"), layer).convert("RGB"))
        )
    return out


def greyscale(frames: list[RGB]) -> list[RGB]:
    return [np.repeat(np.asarray(Image.fromarray(f).convert("L"))[..., None], 3, axis=2) for f in frames]


def same(frames: list[RGB]) -> list[RGB]:
    return frames


#: name -> (frames transform, x264 CRF of the encoded copy).
TRANSFORMS: Final[dict[str, tuple[Transform, int]]] = {
    "original": (same, 18),
    "reencode": (same, 38),
    "half": (half, 23),
    "letterbox": (letterbox, 23),
    "trim": (trim, 23),
    "speed 1.5x": (speed, 23),
    "logo": (logo, 23),
    "greyscale": (greyscale, 23),
}


def read(path: Path, seconds: float) -> tuple[list[RGB], Fraction]:
    """The first ``seconds`` of ``path``'s first video stream, as RGB frames, and its frame rate."""
    with av.open(str(path)) as box:
        stream = box.streams.video[0]
        rate = Fraction(stream.average_rate or stream.guessed_rate or 30)
        frames: list[RGB] = []
        for frame in box.decode(stream):
            if len(frames) >= seconds * rate:
                break
            rgb: RGB = frame.to_ndarray(format="rgb24")  # type: ignore[assignment]
            frames.append(rgb)
    return frames, rate


def write(path: Path, frames: list[RGB], rate: Fraction, crf: int) -> None:
    height, width = _even(frames[0].shape[0]), _even(frames[0].shape[1])
    with av.open(str(path), mode="w") as box:
        stream = box.add_stream("libx264", rate=rate)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": str(crf)}
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:height, :width]), format="rgb24")
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)


def generated(folder: Path, count: int) -> Iterator[Path]:
    sys.path.insert(0, str(BENCH_DIR.parent))
    from tests.videofiles import clip

    for seed in range(count):
        path = folder / f"generated-{seed}.mp4"
        path.write_bytes(
            clip(300, 30, (480, 360), seed=seed + 1, options={"preset": "veryfast", "crf": "18"})
        )
        yield path


@dataclass
class Contestant:
    """Hashes a file and decides a pair; ``seconds``/``files`` time its hashing."""

    name: str
    hash: Callable[[Path, float], Any]
    percents: Callable[[Any, Any], tuple[float, float]]
    seconds: float = 0.0
    files: int = 0
    hashes: dict[Path, Any] = field(default_factory=dict)

    def of(self, path: Path, seconds_per_hash: float) -> Any:
        if path not in self.hashes:
            start = time.perf_counter()
            self.hashes[path] = self.hash(path, seconds_per_hash)
            self.seconds += time.perf_counter() - start
            self.files += 1
        return self.hashes[path]


def vigil_contestant() -> Contestant:
    from vigil.video.matching import Frames, Rule, compare
    from vigil.video.vpdq import hash_video

    # Percentages even below the thresholds (to average them); the decision is taken on them after.
    anything = Rule(quality=QUALITY, distance=DISTANCE, query_percent=0.0, compared_percent=0.0)

    def hashed(path: Path, seconds_per_hash: float) -> tuple[Frames, Frames | None]:
        found = hash_video(path, seconds_per_hash=seconds_per_hash, letterbox=True)
        return found.frames, found.cropped

    def percents(query: Any, compared: Any) -> tuple[float, float]:
        # As a lookup: the query's frames, and its frames inside letterbox bars if it has some, each
        # against the compared video's own frames (what is stored); a match by either, the better one.
        best = (0.0, 0.0)
        for frames in query:
            if frames is not None and (found := compare(frames, compared[0], anything)):
                best = max(best, (found.query_percent, found.compared_percent))
        return best

    return Contestant("vigil", hashed, percents)


def peer_contestant() -> Contestant | None:
    try:
        import vpdq  # type: ignore[import-not-found, unused-ignore]
        from threatexchange.extensions.vpdq.vpdq_brute_matcher import (  # type: ignore[import-not-found, unused-ignore]
            match_VPDQ_hash_brute,
        )
        from threatexchange.extensions.vpdq.vpdq_util import (  # type: ignore[import-not-found, unused-ignore]
            VpdqCompactFeature,
            dedupe,
            quality_filter,
        )
    except ImportError:
        return None

    def hashed(path: Path, seconds_per_hash: float) -> Any:
        found = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash)
        return [VpdqCompactFeature.from_vpdq_feature(f) for f in found]

    def percents(query: Any, compared: Any) -> tuple[float, float]:
        # pytx divides by the kept frames: a side with none matches nothing.
        if not quality_filter(dedupe(query), QUALITY) or not quality_filter(dedupe(compared), QUALITY):
            return 0.0, 0.0
        result = match_VPDQ_hash_brute(query, compared, QUALITY, DISTANCE)
        return float(result.query_match_percent), float(result.compared_match_percent)

    return Contestant("vpdq", hashed, percents)


def cut(contestant: Contestant, value: Any, seconds: float) -> Any:
    """A source's hash limited to its first ``seconds`` (the copies are made of that much)."""
    if contestant.name == "vigil":
        return tuple(None if v is None else _cut_frames(v, seconds) for v in value)
    return [f for f in value if f.timestamp < seconds]


def _cut_frames(frames: Any, seconds: float) -> Any:
    from vigil.video.matching import Frames

    keep = frames.timestamps < seconds
    return Frames(
        frames.hashes[keep], frames.qualities[keep], frames.frame_numbers[keep], frames.timestamps[keep]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench video_robustness")
    parser.add_argument("--shared", type=Path, default=SHARED_VIDEOS, help="Meta's sample clips.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Each source cut to this length.")
    parser.add_argument("--generated", type=int, default=3, help="Generated clips (10 s each).")
    parser.add_argument("--seconds-per-hash", type=float, default=1.0)
    args = parser.parse_args(argv)
    console = Console()
    contestants = [vigil_contestant()]
    peer = peer_contestant()
    if peer is None:
        console.print("vpdq (Meta's binding) or threatexchange is not installed: Vigil alone in this run.")
    else:
        contestants.append(peer)
    sph = args.seconds_per_hash
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sources = [args.shared / f"{name}.mp4" for name in SOURCES if (args.shared / f"{name}.mp4").is_file()]
        if not sources:
            console.print(f"(no sample clips in {args.shared}: generated clips only)")
        sources += list(generated(folder, args.generated))
        # copies[transform] = [(source, copy file)]
        copies: dict[str, list[tuple[Path, Path]]] = {name: [] for name in TRANSFORMS}
        make = [(s, name) for s in sources for name in TRANSFORMS]
        transform_seconds = 0.0
        read_cache: dict[Path, tuple[list[RGB], Fraction]] = {}
        for source, name in track(make, description="transforming", console=console):
            if source not in read_cache:
                read_cache.clear()
                read_cache[source] = read(source, args.seconds)
            frames, rate = read_cache[source]
            fn, crf = TRANSFORMS[name]
            start = time.perf_counter()
            out = folder / f"{source.stem}-{name.replace(' ', '_')}.mp4"
            write(out, fn(frames), rate, crf)
            transform_seconds += time.perf_counter() - start
            copies[name].append((source, out))
        read_cache.clear()
        if sources and sources[0].parent == args.shared:
            copies["Meta variants"] = [
                (args.shared / f"{orig}.mp4", args.shared / f"{variant}.mp4")
                for variant, orig in META_VARIANTS.items()
                if (args.shared / f"{variant}.mp4").is_file() and (args.shared / f"{orig}.mp4").is_file()
            ]
        pairs = [(name, s, c) for name, rows in copies.items() for s, c in rows]
        # rows[transform][contestant] = list of (query %, compared %)
        rows: dict[str, dict[str, list[tuple[float, float]]]] = {
            n: {c.name: [] for c in contestants} for n in copies
        }
        false: dict[str, list[str]] = {c.name: [] for c in contestants}
        false_pairs = 0
        for name, source, copy in track(pairs, description="hashing and matching", console=console):
            for c in contestants:
                # Meta's variants are whole clips against whole clips; the made copies against the cut.
                whole = name == "Meta variants"
                original = c.of(source, sph) if whole else cut(c, c.of(source, sph), args.seconds)
                rows[name][c.name].append(c.percents(c.of(copy, sph), original))
            if name == "Meta variants":
                continue
            for other in sources:
                if other == source:
                    continue
                false_pairs += 1
                for c in contestants:
                    q, _ = c.percents(c.of(copy, sph), cut(c, c.of(other, sph), args.seconds))
                    if q >= QUERY_PERCENT:
                        false[c.name].append(f"{copy.name} ~ {other.name} ({q:.0f} %)")
    # Which files Vigil found letterbox bars in (a lookup then also searches with the picture inside).
    barred = sorted(p.name for p, v in contestants[0].hashes.items() if v[1] is not None)
    report(console, rows, false, false_pairs, contestants, len(sources), transform_seconds, args, barred)
    return 0


def report(
    console: Console,
    rows: dict[str, dict[str, list[tuple[float, float]]]],
    false: dict[str, list[str]],
    false_pairs: int,
    contestants: list[Contestant],
    n_sources: int,
    transform_seconds: float,
    args: argparse.Namespace,
    barred: list[str],
) -> None:
    table = Table(
        title=f"{n_sources} sources cut to {args.seconds:g} s; vPDQ every {args.seconds_per_hash:g} s"
    )
    table.add_column("transform")
    for c in contestants:
        table.add_column(f"{c.name} matched", justify="right")
        table.add_column(f"{c.name} mean query %", justify="right")
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}, "transforms": {}}
    for name, by in rows.items():
        cells = [name]
        results["transforms"][name] = {}
        for c in contestants:
            got = by[c.name]
            matched = sum(1 for q, _ in got if q >= QUERY_PERCENT)
            mean = sum(q for q, _ in got) / len(got) if got else 0.0
            cells += [f"{matched}/{len(got)}", f"{mean:.0f}"]
            results["transforms"][name][c.name] = {
                "matched": matched,
                "pairs": len(got),
                "mean_query_percent": mean,
            }
        table.add_row(*cells)
    console.print(table)
    for c in contestants:
        per = c.seconds / c.files if c.files else 0.0
        console.print(
            f"{c.name}: false matches {len(false[c.name])}/{false_pairs} unrelated pairs; "
            f"{per:.2f} s to hash a clip ({c.files} files, {c.seconds:.1f} s)"
        )
        for line in false[c.name]:
            console.print(f"  false match: {line}")
        results[c.name] = {
            "false_matches": false[c.name],
            "unrelated_pairs": false_pairs,
            "seconds_per_clip": per,
            "files": c.files,
        }
    console.print(f"vigil found letterbox bars in {len(barred)} files: {', '.join(barred) or '-'}")
    results["vigil_bars"] = barred
    console.print(f"making the copies: {transform_seconds:.1f} s")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"video_robustness-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
