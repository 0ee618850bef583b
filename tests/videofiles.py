"""Benign generated video clips (moving shapes on a gradient), encoded with PyAV: no FFmpeg executable
or Debian package needed."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from av.video.stream import VideoStream


def scene(number: int, width: int, height: int, seed: int = 0) -> npt.NDArray[np.uint8]:
    """Frame ``number`` of a test scene: a colour gradient, a square and a disc that move, and bars."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=3)
    ys, xs = np.mgrid[0:height, 0:width]
    rgb = np.empty((height, width, 3), dtype=np.float32)
    rgb[..., 0] = (xs * 255 / max(1, width - 1) + base[0]) % 256
    rgb[..., 1] = (ys * 255 / max(1, height - 1) + base[1]) % 256
    rgb[..., 2] = base[2]
    side = max(2, min(width, height) // 4)
    x0 = (number * 7 + int(base[0])) % max(1, width - side)
    y0 = (number * 3 + int(base[1])) % max(1, height - side)
    rgb[y0 : y0 + side, x0 : x0 + side] = (250, 240, 30)
    cx, cy = (width - 1 - x0), (height // 2)
    rgb[(xs - cx) ** 2 + (ys - cy) ** 2 < (side // 2) ** 2] = (20, 30, 200)
    stripe = max(1, width // 16)
    rgb[: height // 8, (xs[0] // stripe) % 2 == 0] = 0
    return rgb.astype(np.uint8)


def clip(
    frames: int = 30,
    fps: int = 10,
    size: tuple[int, int] = (160, 120),
    *,
    codec: str = "libx264",
    container: str = "mp4",
    seed: int = 0,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
) -> bytes:
    """An encoded clip of ``frames`` frames of :func:`scene` at ``fps``."""
    # A real file: some muxer options (MP4's faststart) reopen it.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"clip.{container}"
        _encode(path, frames, fps, size, codec, container, seed, options, container_options)
        return path.read_bytes()


def _encode(
    path: Path,
    frames: int,
    fps: int,
    size: tuple[int, int],
    codec: str,
    container: str,
    seed: int,
    options: dict[str, str] | None,
    container_options: dict[str, str] | None,
) -> None:
    width, height = size
    with av.open(str(path), mode="w", format=container, options=container_options or {}) as box:
        stream = box.add_stream(codec, rate=Fraction(fps))
        assert isinstance(stream, VideoStream)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        fast: dict[str, str] = {"preset": "ultrafast", "crf": "18"} if codec == "libx264" else {}
        stream.options = dict(options or fast)
        for number in range(frames):
            frame = av.VideoFrame.from_ndarray(scene(number, width, height, seed), format="rgb24")
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)


def y4m_header(width: int, height: int, payload: int = 64) -> bytes:
    """A YUV4MPEG2 file announcing ``width`` x ``height`` frames, with only a few bytes of one frame: a
    few hundred bytes that would decode to gigabytes."""
    return f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n" + b"\x80" * payload


def reencode(
    data: bytes,
    size: tuple[int, int],
    codec: str = "mpeg4",
    container: str = "avi",
    *,
    first: int = 0,
    bars: tuple[int, int] = (0, 0),
) -> bytes:
    """``data`` decoded and encoded again at another size, codec and container (a re-encoded copy),
    without its first ``first`` frames (a trimmed one), with black ``bars`` of (rows above and below,
    columns left and right) around the picture of ``size`` (a letterboxed or pillarboxed one)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"copy.{container}"
        with (
            av.open(io.BytesIO(data), mode="r") as source,
            av.open(str(path), mode="w", format=container) as box,
        ):
            decoded = source.streams.video[0]
            stream = box.add_stream(codec, rate=decoded.average_rate)
            assert isinstance(stream, VideoStream)
            rows, cols = bars
            stream.width, stream.height = size[0] + 2 * cols, size[1] + 2 * rows
            stream.pix_fmt = "yuv420p"
            for number, frame in enumerate(source.decode(decoded)):
                if number < first:
                    continue
                pixels: npt.NDArray[np.uint8] = frame.to_ndarray(  # type: ignore[assignment]
                    width=size[0], height=size[1], format="rgb24"
                )
                if rows or cols:
                    pixels = np.pad(pixels, ((rows, rows), (cols, cols), (0, 0)))
                for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                    box.mux(packet)
            for packet in stream.encode():
                box.mux(packet)
        return path.read_bytes()


def publish_video_list(
    vigil: Callable[..., Any],
    env: dict[str, str],
    folder: Path,
    rows: Sequence[Sequence[str]],
    contributor: str,
) -> None:
    """``rows`` (a CSV header and entries) imported through ``vigil lists import`` in a fresh database and
    published as the list ``videos`` of VICS US category 1, to ``member`` recipients."""
    listing = io.StringIO()
    csv.writer(listing).writerows(rows)
    (folder / "videos.csv").write_text(listing.getvalue())
    vigil(env, "db", "upgrade")
    vigil(env, "lists", "import", folder / "videos.csv", "--format", "csv", "--contributor", contributor,
          "--kind", "hotline", "--country", "US")  # fmt: skip
    vigil(env, "lists", "create", "videos", "--contributor", contributor, "--category", "vics-us:1",
          "--recipient", "member")  # fmt: skip
    vigil(env, "lists", "publish", "videos")
