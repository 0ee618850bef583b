"""Video hashing: Vigil's vPDQ (``vigil.video.vpdq.hash_video``) against decoding alone, and against
Meta's ``vpdq`` Python binding (python-threatexchange's vPDQ extension hashes with it), in the same run.

Inputs (benign): Meta's sample clips of ``shared/conformance/vpdq/videos`` when the folder is beside
the repository, and generated clips (moving shapes, 720p and 1080p, 30 frames a second, H.264), each
decoded in full by every contestant:

- ``decode``: PyAV decoding every frame of the file (the same threads as Vigil's), no conversion;
- ``vigil 1s``: Vigil's vPDQ at one frame a second (the default), and ``vigil all`` at every frame;
- ``vpdq 1s``/``vpdq all``: Meta's binding (``vpdq.computeHash``), when it is installed (it builds from
  source against FFmpeg's development packages; when it is missing the run says so).

Figures are frames of video per second of wall time (every frame decoded counts, hashed or not), and
the ratio of each contestant's time to decoding alone. The issue's goal: ``vigil 1s`` <= 1.3 x decode.

    .venv/bin/python -m bench video_hashing [-- --repeat 3 --generated 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import av

BENCH_DIR: Final = Path(__file__).resolve().parent
RESULTS_DIR: Final = BENCH_DIR / "results"
SHARED_VIDEOS: Final = BENCH_DIR.parent.parent / "shared" / "conformance" / "vpdq" / "videos"
GOAL: Final = 1.3


def decode_only(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def vigil(seconds_per_hash: float) -> Callable[[Path], int]:
    from vigil.video.vpdq import hash_video

    def run(path: Path) -> int:
        return hash_video(path, seconds_per_hash=seconds_per_hash).decoded

    return run


def meta(seconds_per_hash: float, frames: dict[Path, int]) -> Callable[[Path], int] | None:
    try:
        import vpdq  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None

    def run(path: Path) -> int:
        vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash)
        return frames[path]

    return run


def generated(folder: Path, count: int) -> list[Path]:
    sys.path.insert(0, str(BENCH_DIR.parent))
    from tests.videofiles import clip

    out = []
    for number, size in enumerate([(1280, 720), (1920, 1080)] * count):
        if number >= count:
            break
        path = folder / f"generated-{size[1]}p-{number}.mp4"
        path.write_bytes(clip(150, 30, size, seed=number, options={"preset": "veryfast", "crf": "23"}))
        out.append(path)
    return out


def timed(run: Callable[[Path], int], files: list[Path], repeat: int) -> tuple[float, int]:
    """Best of ``repeat`` (a shared machine's noise only ever adds time) of the total over the files."""
    best, frames = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        frames = sum(run(f) for f in files)
        best = min(best, time.perf_counter() - start)
    return best, frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench video_hashing")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generated", type=int, default=2, help="Generated clips (5 s each).")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted(SHARED_VIDEOS.glob("*.mp4")) if SHARED_VIDEOS.is_dir() else []
        if not files:
            print(f"(no sample clips at {SHARED_VIDEOS}: generated clips only)")
        files += generated(Path(tmp), args.generated)
        frames = {f: decode_only(f) for f in files}
        contestants: dict[str, Callable[[Path], int] | None] = {
            "decode": decode_only,
            "vigil 1s": vigil(1.0),
            "vigil all": vigil(0.0),
            "vpdq 1s": meta(1.0, frames),
            "vpdq all": meta(0.0, frames),
        }
        results: dict[str, dict[str, float]] = {}
        for name, run in contestants.items():
            if run is None:
                continue
            seconds, count = timed(run, files, args.repeat)
            results[name] = {"seconds": seconds, "frames": count, "frames_per_second": count / seconds}
    base = results["decode"]["seconds"]
    print(f"{len(files)} files, {sum(frames.values())} frames; best of {args.repeat}; {platform.processor()}")
    print(f"{'':10} {'seconds':>8} {'frames/s':>9} {'x decode':>9}")
    for name, row in results.items():
        print(f"{name:10} {row['seconds']:8.2f} {row['frames_per_second']:9.0f} {row['seconds'] / base:9.2f}")
        row["ratio_to_decode"] = row["seconds"] / base
    if "vpdq 1s" not in results:
        print("vpdq (Meta's binding, pytx's vPDQ extension) is not installed here: it builds from source")
        print("against FFmpeg's development packages (libavcodec-dev ...); no peer figure in this run.")
    else:
        for mode in ("1s", "all"):
            ratio = results[f"vpdq {mode}"]["seconds"] / results[f"vigil {mode}"]["seconds"]
            print(f"vigil {mode} is {ratio:.2f}x as fast as Meta's vpdq")
    ratio = results["vigil 1s"]["ratio_to_decode"]
    print(f"goal vigil 1s <= {GOAL}x decode: {'met' if ratio <= GOAL else 'NOT met'} ({ratio:.2f}x)")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"video_hashing-{stamp}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
