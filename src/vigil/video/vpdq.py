"""vPDQ hashing: a video → one PDQ hash and quality per sampled frame, with its frame number and
timestamp, as Meta's vPDQ computes them.

Each sampled frame (``video/frames.py``) is converted to RGB24 by FFmpeg's swscale, as Meta's hasher
does, and hashed with PDQ at full resolution: PDQ's 64x64 luma buffer is computed from the frame's
pixels in numpy and hashed by Meta's code (``signals/pdq_fast.py``, ``pdq_from_rgb_sampled``); a
fragile hash is recomputed by Meta's code from every pixel. The conformance test compares every frame
with Meta's reference hashes (tests/unit/video/test_conformance.py, docs/video.md).

With ``letterbox``, a video whose frames have dark bars at their edges (``video/bars.py``) also gets the
hashes of the picture inside the bars, frame by frame (``VideoHash.cropped``): what a lookup searches
with besides the frames' own hashes, so a letterboxed copy of a listed video is found. Those are never
stored; the frames' own hashes stay Meta's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from vigil.arrays import U8
from vigil.signals.pdq_fast import pdq_from_rgb_sampled
from vigil.video.bars import BarFinder, Bars
from vigil.video.decode import VideoDecodeError, open_video
from vigil.video.frames import Sampling
from vigil.video.limits import VideoLimits
from vigil.video.matching import NBYTES, Frames
from vigil.video.stills import Stills

DEFAULT_SECONDS_PER_HASH = 1.0


@dataclass(frozen=True, slots=True)
class VideoHash:
    """A video's vPDQ: its sampled frames' hashes, and what decoding found."""

    frames: Frames
    #: Frames decoded (every frame, sampled or not).
    decoded: int
    frame_rate: float
    width: int
    height: int
    #: What went wrong while decoding (corrupt packets, truncation); the frames decoded are hashed.
    problem: str | None = None
    #: With ``letterbox``, for a video with bars: the bars, and its frames hashed inside them.
    bars: Bars | None = None
    cropped: Frames | None = None

    @property
    def seconds(self) -> float:
        """Length of what was decoded, on vPDQ's timeline (frames decoded at the stream's rate)."""
        return self.decoded / self.frame_rate if self.frame_rate > 0 else 0.0

    @property
    def mean_quality(self) -> int | None:
        """Mean PDQ quality of the hashed frames (None for none)."""
        if not len(self.frames):
            return None
        return round(float(self.frames.qualities.mean()))


def hash_video(
    source: str | Path | bytes | IO[bytes],
    limits: VideoLimits | None = None,
    seconds_per_hash: float = DEFAULT_SECONDS_PER_HASH,
    stills: Stills | None = None,
    *,
    letterbox: bool = False,
) -> VideoHash:
    """vPDQ of ``source`` (a path, bytes or a binary file). VideoDecodeError when it cannot be opened,
    passes a cap, or yields no frame. ``stills``: also offered every hashed frame (a scan report's
    strip of frames). ``letterbox``: also the hashes inside the bars of a video that has some."""
    picture = _Picture() if letterbox else None
    hashes: list[bytes] = []
    qualities: list[int] = []
    numbers: list[int] = []
    stamps: list[float] = []
    with open_video(source, limits or VideoLimits()) as video:
        sampling = Sampling.of(video.frame_rate, seconds_per_hash)
        for decoded in video.frames():
            if not sampling.picks(decoded.number):
                continue
            rgb: npt.NDArray[np.uint8] = decoded.frame.to_ndarray(format="rgb24")  # type: ignore[assignment]
            pdq, _ = pdq_from_rgb_sampled(rgb)
            if stills is not None:
                stills.offer(len(hashes), rgb)
            hashed = bytes.fromhex(pdq.hex)
            if picture is not None:
                picture.add(rgb, hashed, pdq.quality)
            hashes.append(hashed)
            qualities.append(pdq.quality)
            numbers.append(decoded.number)
            stamps.append(sampling.timestamp(decoded.number))
        if not video.decoded:
            raise VideoDecodeError(video.problem() or "corrupt video: no frame could be decoded")
        frames = _frames(hashes, qualities, numbers, stamps)
        bars = picture.finish() if picture is not None else None
        cropped = None
        if picture is not None and bars:
            cropped = _frames(picture.hashes, picture.qualities, numbers, stamps)
        return VideoHash(
            frames,
            video.decoded,
            video.frame_rate,
            video.width,
            video.height,
            video.problem(),
            bars,
            cropped,
        )


def _frames(hashes: list[bytes], qualities: list[int], numbers: list[int], stamps: list[float]) -> Frames:
    return Frames(
        np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(-1, NBYTES).copy(),
        np.asarray(qualities, dtype=np.int32),
        np.asarray(numbers, dtype=np.int32),
        np.asarray(stamps, dtype=np.float64),
    )


class _Picture:
    """The hashes of the picture inside a video's bars, one per hashed frame, kept as frames are hashed.
    Until the bars are decided each frame stands for itself, and the few that showed a picture are
    held to be cropped once they are; a video without bars costs their measure on a few frames."""

    def __init__(self) -> None:
        self.finder = BarFinder()
        self.hashes: list[bytes] = []
        self.qualities: list[int] = []
        self._waiting: list[tuple[int, U8]] = []

    def add(self, rgb: U8, hashed: bytes, quality: int) -> None:
        index = len(self.hashes)
        self.hashes.append(hashed)
        self.qualities.append(quality)
        finder = self.finder
        if not finder.done:
            if finder.offer(rgb):
                self._waiting.append((index, rgb))
            if finder.done:
                self._settle()
        elif finder.bars and (rgb.shape[0], rgb.shape[1]) == finder.size:
            self._crop(index, rgb, finder.bars)

    def finish(self) -> Bars | None:
        if not self.finder.done:
            self.finder.finish()
            self._settle()
        return self.finder.bars

    def _settle(self) -> None:
        if self.finder.bars:
            for index, rgb in self._waiting:
                self._crop(index, rgb, self.finder.bars)
        self._waiting.clear()

    def _crop(self, index: int, rgb: U8, bars: Bars) -> None:
        pdq, _ = pdq_from_rgb_sampled(bars.crop(rgb))
        self.hashes[index] = bytes.fromhex(pdq.hex)
        self.qualities[index] = pdq.quality
