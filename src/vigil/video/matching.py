"""vPDQ matching: Meta's rule for comparing two videos by their frame hashes, and what a match reports.

The rule, as python-threatexchange's vPDQ extension applies it (``vpdq_index.py``):

1. each video keeps its frames of quality >= ``quality`` (50), then drops every frame whose hash
   repeats an earlier kept frame's (a still scene hashed every second is one frame, not twenty);
2. a query frame *matches* when any kept frame of the other video is within ``distance`` (31) bits of
   it, and a frame of the other video is *compared-matched* when any kept query frame is within
   ``distance`` of it;
3. query-match % = matched query frames × 100 / kept query frames, compared-match % likewise over the
   other video's kept frames; a match needs query % >= ``query_percent`` (80) and compared % >=
   ``compared_percent`` (0).

pytx's brute matcher (``vpdq_brute_matcher.py``) drops duplicates *before* the quality filter; the two
orders differ only when one hash occurs first at a quality below the threshold and again above it (the
brute order then loses the hash altogether). Vigil follows the index, the order pytx matches with.

Percentages are computed as pytx does (``count * 100 / total`` in float64, compared with ``>=``), so a
threshold decides exactly as it does there. This module is pure numpy: the search for the frame pairs
within ``distance`` is the caller's (:class:`vigil.index.vpdq.VpdqIndex` over many videos,
:func:`compare` for two).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from vigil.errors import Invalid

if TYPE_CHECKING:
    from vigil.config import Settings

#: python-threatexchange's defaults (``vpdq_util.py``).
QUALITY: Final = 50
DISTANCE: Final = 31
QUERY_PERCENT: Final = 80.0
COMPARED_PERCENT: Final = 0.0
NBYTES: Final = 32

U8 = npt.NDArray[np.uint8]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


class InvalidFramesError(Invalid):
    """Frame arrays that do not describe a video: shapes that disagree, qualities outside 0..100,
    negative or decreasing timestamps."""


class FrameArraysLike(Protocol):
    """One video's frame hashes, in time order (what vPDQ hashing produces)."""

    @property
    def hashes(self) -> npt.NDArray[np.uint8]:
        """(n, 32) PDQ bits, as :class:`vigil.index.pdq.PdqIndex` stores them (hex digits' bytes)."""
        ...

    @property
    def qualities(self) -> npt.NDArray[np.integer]: ...

    @property
    def frame_numbers(self) -> npt.NDArray[np.integer]: ...

    @property
    def timestamps(self) -> npt.NDArray[np.floating]: ...


@dataclass(frozen=True, slots=True)
class Frames:
    """Checked frame arrays of one video (:func:`frames_of` makes them from any
    :class:`FrameArraysLike`)."""

    hashes: U8
    qualities: I32
    frame_numbers: I32
    timestamps: F64

    def __len__(self) -> int:
        return int(self.hashes.shape[0])


def frames_of(video: FrameArraysLike, *, ordered: bool = True) -> Frames:
    """``video``'s arrays as :class:`Frames`, checked; :class:`InvalidFramesError` says what is wrong.
    ``ordered``: timestamps must never decrease (off for several videos' frames one after another)."""
    hashes = np.ascontiguousarray(video.hashes)
    if hashes.dtype != np.uint8 or hashes.ndim != 2 or hashes.shape[1] != NBYTES:
        raise InvalidFramesError(
            f"frame hashes must be an (n, {NBYTES}) uint8 array, got {hashes.dtype} {hashes.shape}"
        )
    n = hashes.shape[0]
    raw = {
        "qualities": np.asarray(video.qualities),
        "frame numbers": np.asarray(video.frame_numbers),
        "timestamps": np.asarray(video.timestamps),
    }
    for what, array in raw.items():
        if array.shape != (n,):
            raise InvalidFramesError(f"{what} must have one value per frame ({n}), got shape {array.shape}")
    qualities, numbers, stamps = raw["qualities"], raw["frame numbers"], raw["timestamps"]
    if n:
        if not _integers_within(qualities, 0, 100):
            raise InvalidFramesError("frame qualities must be integers from 0 to 100")
        if not _integers_within(numbers, 0, 2**31 - 1):
            raise InvalidFramesError("frame numbers must be integers from 0 to 2^31 - 1")
        stamps = stamps.astype(np.float64)
        if not np.all(np.isfinite(stamps)) or float(stamps.min()) < 0:
            raise InvalidFramesError("frame timestamps must be finite and not negative")
        if ordered and n > 1 and bool(np.any(np.diff(stamps) < 0)):
            raise InvalidFramesError("frames must be in time order (a timestamp goes backwards)")
    return Frames(
        hashes,
        qualities.astype(np.int32),
        numbers.astype(np.int32),
        stamps.astype(np.float64),
    )


def _integers_within(values: npt.NDArray[Any], lo: int, hi: int) -> bool:
    return (
        bool(np.issubdtype(values.dtype, np.integer)) and lo <= int(values.min()) and int(values.max()) <= hi
    )


@dataclass(frozen=True, slots=True)
class Rule:
    """The thresholds of Meta's rule (module docstring); defaults are python-threatexchange's."""

    quality: int = QUALITY
    distance: int = DISTANCE
    query_percent: float = QUERY_PERCENT
    compared_percent: float = COMPARED_PERCENT

    def __post_init__(self) -> None:
        if not 0 <= self.quality <= 100:
            raise Invalid(f"vPDQ quality threshold must be from 0 to 100, got {self.quality}")
        if not 0 <= self.distance <= 256:
            raise Invalid(f"vPDQ distance threshold must be from 0 to 256, got {self.distance}")
        for name in ("query_percent", "compared_percent"):
            value = getattr(self, name)
            if not 0.0 <= value <= 100.0:
                raise Invalid(f"vPDQ {name.replace('_', ' ')} must be from 0 to 100, got {value}")

    @classmethod
    def from_settings(cls, settings: Settings) -> Rule:
        return cls(
            quality=settings.vpdq_quality_threshold,
            distance=settings.vpdq_distance_threshold,
            query_percent=settings.vpdq_query_match_percent,
            compared_percent=settings.vpdq_compared_match_percent,
        )

    def accepts(self, query_percent: float, compared_percent: float) -> bool:
        return query_percent >= self.query_percent and compared_percent >= self.compared_percent


def kept_frames(frames: Frames, quality: int) -> I64:
    """Positions of the frames the rule compares: quality >= ``quality``, first occurrence of each hash,
    in time order."""
    good = np.flatnonzero(frames.qualities >= quality)
    if good.shape[0] < 2:
        return good.astype(np.int64)
    rows = np.ascontiguousarray(frames.hashes[good]).view(f"V{NBYTES}").reshape(-1)
    _, first = np.unique(rows, return_index=True)
    return np.asarray(good[np.sort(first)], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A run of consecutive kept frames that matched: first and last frame (number and timestamp in
    seconds) and how many kept frames it spans. A one-frame run starts and ends at the same instant."""

    start: float
    end: float
    first_frame: int
    last_frame: int
    frames: int


def clock(seconds: float) -> str:
    """A time on a video as people read it: ``1:02.5``, ``1:00:02.5`` past an hour."""
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{rest:04.1f}" if hours else f"{minutes}:{rest:04.1f}"


def spans(runs: tuple[TimeRange, ...]) -> str:
    """Time ranges as ``0:02.0–0:05.0, 0:09.0–0:09.0``."""
    return ", ".join(f"{clock(r.start)}–{clock(r.end)}" for r in runs)


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """One indexed video that matches a query under the rule."""

    id: int
    query_percent: float
    compared_percent: float
    #: Kept frames of the query / of the indexed video, and how many of each matched.
    query_frames: int
    compared_frames: int
    query_matched: int
    compared_matched: int
    #: Where the matching content is, on the query's timeline and on the indexed video's.
    query_ranges: tuple[TimeRange, ...]
    compared_ranges: tuple[TimeRange, ...]


def percent(count: int, total: int) -> float:
    """``count`` of ``total`` in percent, exactly as pytx computes it (0 when there is nothing)."""
    return count * 100 / total if total else 0.0


def ranges(matched: I64, numbers: I32, stamps: F64) -> tuple[TimeRange, ...]:
    """Runs of consecutive positions in ``matched`` (sorted positions into the kept frames, whose frame
    numbers and timestamps are ``numbers`` and ``stamps``)."""
    if matched.shape[0] == 0:
        return ()
    breaks = np.flatnonzero(np.diff(matched) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [matched.shape[0]]]) - 1
    return tuple(
        TimeRange(
            float(stamps[matched[s]]),
            float(stamps[matched[e]]),
            int(numbers[matched[s]]),
            int(numbers[matched[e]]),
            int(e - s + 1),
        )
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
    )


def compare(query: FrameArraysLike, other: FrameArraysLike, rule: Rule | None = None) -> VideoMatch | None:
    """Two videos under ``rule``: the match (with id 0) or None. Every pair of kept frames is compared
    (O(n × m) popcounts): for one pair of videos; many videos go through an index."""
    rule = rule or Rule()
    q, o = frames_of(query), frames_of(other)
    qk, ok = kept_frames(q, rule.quality), kept_frames(o, rule.quality)
    if qk.shape[0] == 0 or ok.shape[0] == 0:
        return None
    qh, oh = q.hashes[qk], o.hashes[ok]
    close = np.zeros((qk.shape[0], ok.shape[0]), dtype=np.bool_)
    block = max(1, (1 << 22) // (ok.shape[0] * NBYTES))
    for lo in range(0, qk.shape[0], block):
        diff = np.bitwise_count(qh[lo : lo + block, None, :] ^ oh[None, :, :]).sum(axis=2, dtype=np.int32)
        close[lo : lo + block] = diff <= rule.distance
    q_matched = np.flatnonzero(close.any(axis=1)).astype(np.int64)
    o_matched = np.flatnonzero(close.any(axis=0)).astype(np.int64)
    qp = percent(q_matched.shape[0], qk.shape[0])
    op = percent(o_matched.shape[0], ok.shape[0])
    if not q_matched.shape[0] or not rule.accepts(qp, op):
        return None
    return VideoMatch(
        0,
        qp,
        op,
        int(qk.shape[0]),
        int(ok.shape[0]),
        int(q_matched.shape[0]),
        int(o_matched.shape[0]),
        ranges(q_matched, q.frame_numbers[qk], q.timestamps[qk]),
        ranges(o_matched, o.frame_numbers[ok], o.timestamps[ok]),
    )
