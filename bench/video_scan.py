"""Videos in ``vigil scan``: what scanning a video costs against decoding it alone, in the same run.

Inputs (benign): Meta's sample clips (``shared/conformance/vpdq/videos`` beside the repository, or
``--videos DIR``) and generated clips (moving shapes, 720p and 1080p, H.264). Contestants, each over
every file, the best of ``--repeat``:

- ``decode``: PyAV decoding every frame (FFmpeg alone: the peer every video tool pays);
- ``vpdq``: Vigil's vPDQ at one frame a second (``hash_video``), no strip;
- ``scan``: one scan item per file as the scan's workers make it (``scan_found``): digests, vPDQ, the
  strip of frames for the report, the file kept in memory;
- ``scan from file``: the same with the image cap below every file's size, so each video is digested
  as it is read and then decoded from disk (what a video larger than ``VIGIL_MAX_IMAGE_BYTES`` gets).

    .venv/bin/python -m bench video_scan [-- --repeat 3 --generated 2 --videos DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from bench.video_hashing import SHARED_VIDEOS, decode_only, generated, timed

RESULTS_DIR: Final = Path(__file__).resolve().parent / "results"


def vpdq_only(path: Path) -> int:
    from vigil.video.vpdq import hash_video

    return hash_video(path).decoded


def scan_item(image_bytes: int) -> Callable[[Path], int]:
    from vigil.scanning.pipeline import ScanOptions, scan_found
    from vigil.scanning.walk import Found
    from vigil.signals.content import HashOptions, VideoOptions
    from vigil.signals.images import ImageLimits
    from vigil.signals.preview import PREVIEW_SIDE

    hashing = HashOptions(
        limits=ImageLimits(max_bytes=image_bytes), dihedral=True, preview=PREVIEW_SIDE, video=VideoOptions()
    )
    options = ScanOptions(hashing=hashing)

    def run(path: Path) -> int:
        (item,) = scan_found(Found(0, str(path)), options)
        assert item.video is not None and item.preview, item.error
        return item.video.frames

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench video_scan")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generated", type=int, default=2, help="Generated clips (5 s each).")
    parser.add_argument("--videos", type=Path, default=SHARED_VIDEOS, help="A folder of sample .mp4 clips.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted(args.videos.glob("*.mp4")) if args.videos.is_dir() else []
        if not files:
            print(f"(no sample clips at {args.videos}: generated clips only)")
        files += generated(Path(tmp), args.generated)
        smallest = min(f.stat().st_size for f in files)
        contestants: dict[str, Callable[[Path], int]] = {
            "decode": decode_only,
            "vpdq": vpdq_only,
            "scan": scan_item(256 << 20),
            "scan from file": scan_item(max(1, smallest // 2)),
        }
        results: dict[str, dict[str, float]] = {}
        for name, run in contestants.items():
            seconds, count = timed(run, files, args.repeat)
            results[name] = {"seconds": seconds, "frames": count, "frames_per_second": count / seconds}
    base = results["decode"]["seconds"]
    total = int(results["decode"]["frames"])
    print(f"{len(files)} files, {total} frames; best of {args.repeat}; {platform.processor()}")
    print(f"{'':15} {'seconds':>8} {'frames/s':>9} {'x decode':>9}")
    for name, row in results.items():
        row["ratio_to_decode"] = row["seconds"] / base
        print(
            f"{name:15} {row['seconds']:8.2f} {row['frames_per_second']:9.0f} {row['ratio_to_decode']:9.2f}"
        )
    strip = results["scan"]["seconds"] / results["vpdq"]["seconds"]
    print(f"a scan item costs {strip:.2f}x the vPDQ alone (digests and the strip of frames)")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"video_scan-{stamp}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
