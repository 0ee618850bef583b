"""vPDQ hashing: a video → one PDQ hash and quality per sampled frame, with its frame number and
timestamp, as Meta's vPDQ computes them.

Each sampled frame (``video/frames.py``) is converted to RGB24 by FFmpeg's swscale, as Meta's hasher
does, and hashed with PDQ at full resolution: PDQ's 64x64 luma buffer is computed from the frame's
pixels in numpy and hashed by Meta's code (``signals/pdq_fast.py``, ``pdq_from_rgb_sampled``); a
fragile hash is recomputed by Meta's code from every pixel. The conformance test compares every frame
with Meta's reference hashes (tests/unit/video/test_conformance.py, docs/video.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from vigil.signals.pdq_fast import pdq_from_rgb_sampled
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
) -> VideoHash:
    """vPDQ of ``source`` (a path, bytes or a binary file). VideoDecodeError when it cannot be opened,
    passes a cap, or yields no frame. ``stills``: also offered every hashed frame (a scan report's
    strip of frames)."""
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
            hashes.append(bytes.fromhex(pdq.hex))
            qualities.append(pdq.quality)
            numbers.append(decoded.number)
            stamps.append(sampling.timestamp(decoded.number))
        if not video.decoded:
            raise VideoDecodeError(video.problem() or "corrupt video: no frame could be decoded")
        frames = Frames(
            np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(-1, NBYTES).copy(),
            np.asarray(qualities, dtype=np.int32),
            np.asarray(numbers, dtype=np.int32),
            np.asarray(stamps, dtype=np.float64),
        )
        return VideoHash(frames, video.decoded, video.frame_rate, video.width, video.height, video.problem())
