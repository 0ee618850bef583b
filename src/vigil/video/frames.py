"""Which decoded frames vPDQ hashes, and the frame number and timestamp each one carries.

Meta's hasher (``vpdq/cpp/hashing/filehasher.cpp``) numbers frames in the order the decoder returns
them, from 0, and hashes frame ``n`` when ``n % every == 0`` with ``every = int(seconds_per_hash *
frame_rate)`` (at least 1: ``seconds_per_hash = 0`` hashes every frame, as does a rate below one frame a
second). A frame's timestamp is ``n / frame_rate`` in single precision (``hasher.h``), not the frame's
presentation time: a variable-rate video is stamped as if its frames were evenly spaced, and the
reference hashes are written that way, so Vigil stamps them so too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigil.errors import Invalid


class InvalidSamplingError(Invalid):
    """A sampling interval or frame rate that cannot be used."""


@dataclass(frozen=True, slots=True)
class Sampling:
    """The frames of one video that get a hash."""

    frame_rate: float
    #: Hash every ``every``-th decoded frame, starting with the first.
    every: int

    @classmethod
    def of(cls, frame_rate: float, seconds_per_hash: float) -> Sampling:
        if not seconds_per_hash >= 0 or seconds_per_hash == float("inf"):
            raise InvalidSamplingError(
                f"seconds per hash must be a finite number >= 0, got {seconds_per_hash}"
            )
        if not frame_rate > 0 or frame_rate == float("inf"):
            raise InvalidSamplingError(f"the video's frame rate is not usable: {frame_rate}")
        return cls(frame_rate, max(1, int(seconds_per_hash * frame_rate)))

    def picks(self, frame_number: int) -> bool:
        return frame_number % self.every == 0

    def timestamp(self, frame_number: int) -> float:
        """Seconds from the start, as Meta's hasher computes them (float32 division)."""
        return float(np.float32(frame_number) / np.float32(self.frame_rate))
