"""VpdqIndex: videos matched by Meta's vPDQ rule (:mod:`vigil.video.matching`) on one PDQ index of all
their frames.

Every kept frame (quality >= the index's threshold, first occurrence of its hash in its video) of every
video is one row of a :class:`~vigil.index.pdq.PdqIndex` (multi-index hashing, exact), whose id is the
row number. Rows are grouped by video, in time order: video ``v`` owns rows ``starts[v]`` to
``starts[v + 1] - 1``, so a row's video is a binary search in ``starts`` and no per-frame video column is
stored. A query searches all its kept frames at once; the videos with any frame hit are the candidates,
and for each the percentages are counted exactly from the hit pairs (every pair within the distance is
returned, so nothing is estimated).

As an index of a signal type (list snapshots, ``vigil index build``, :mod:`vigil.matching.content`),
:meth:`query_many` takes vPDQ values (text) and answers :class:`VideoHit`: the id, a distance on a 0-100
scale (``100 - floor(query %)``: 0 when every kept query frame matched, 20 at pytx's 80 % threshold) and
the whole :class:`VideoMatch` (percentages and time ranges). Ids given through :meth:`from_values` may
repeat (an entry with two vPDQ values): each id is then answered once, at its best video.

Memory: the PDQ index's (about 97 bytes a frame at 6 M frames) plus frame number (4) and timestamp (8)
per frame, and id and start (16) per video. The snapshot is one :mod:`vigil.index.snapshot` file (signal
``vpdq``): the PDQ index's arrays under their own names, then ``frame_numbers``, ``frame_times``,
``video_ids`` and ``video_starts``; loading maps it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, NamedTuple, Self

import numpy as np
import numpy.typing as npt

from vigil.errors import Invalid
from vigil.index import snapshot
from vigil.index.base import SingleSignal, SnapshotError, SnapshotFormatError
from vigil.index.live import frozen
from vigil.index.pdq import SIGNAL as PDQ_SIGNAL
from vigil.index.pdq import PdqIndex, Progress, Strategy
from vigil.video.matching import (
    DISTANCE,
    F64,
    I32,
    I64,
    NBYTES,
    QUALITY,
    FrameArraysLike,
    Frames,
    InvalidFramesError,
    Rule,
    VideoMatch,
    frames_of,
    kept_frames,
    percent,
    ranges,
)
from vigil.video.signal import VPDQ, frames_from_text

SIGNAL: Final = VPDQ.name
FORMAT: Final = 1
_OWN_ARRAYS: Final = {
    "frame_numbers": "<i4",
    "frame_times": "<f8",
    "video_ids": "<i8",
    "video_starts": "<i8",
}


class IndexQualityError(Invalid):
    """A rule whose quality threshold differs from the one the index dropped frames with."""


class ImmutableIndexError(Invalid):
    """A change asked of an index that is only ever built whole."""


class VideoHit(NamedTuple):
    """An indexed video a query matched, as matching reads any index's answer (``id``, ``distance``),
    with the rule's whole answer beside it."""

    id: int
    distance: int
    video: VideoMatch


def hit_distance(match: VideoMatch) -> int:
    """The 0-100 distance of a match: ``100 - floor(query %)`` (module docstring)."""
    return 100 - math.floor(match.query_percent)


class VpdqIndex(SingleSignal, signal=SIGNAL):
    """Videos searchable by vPDQ. Build with :meth:`build` or :meth:`from_arrays`, or :meth:`load` a
    snapshot; immutable once built (rebuild to add or remove videos)."""

    #: The PDQ distance at which two frames match, unless :attr:`rule` says otherwise.
    default_threshold: Final = DISTANCE

    def __init__(self, pdq: PdqIndex, numbers: I32, stamps: F64, ids: I64, starts: I64, quality: int) -> None:
        self._pdq = pdq
        self._numbers = numbers
        self._stamps = stamps
        self._ids = ids
        self._starts = starts
        #: Frames of lower quality were dropped at build: queries must use the same threshold.
        self.quality = quality
        #: The rule :meth:`query_many` applies (whoever loads the index sets the configured one).
        self.rule = Rule(quality=quality)
        #: Part of the index protocol; this index is immutable, so there is never anything to compact.
        self.auto_compact = False

    @property
    def hash_bytes(self) -> int:
        """0: a value is as long as its video (no fixed width)."""
        return 0

    def compact(self) -> None:
        """Nothing to fold: the index is built whole."""

    def add(self, hashes: Iterable[str], ids: npt.ArrayLike | None = None) -> None:
        raise ImmutableIndexError("a vPDQ index is not added to: rebuild it with every video")

    def remove(self, ids: npt.ArrayLike) -> int:
        raise ImmutableIndexError("a vPDQ index is not removed from: rebuild it without the videos")

    # -- building ------------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        videos: Iterable[tuple[int, FrameArraysLike]],
        *,
        quality: int = QUALITY,
        strategy: Strategy = "auto",
        progress: Progress | None = None,
        unique_ids: bool = True,
    ) -> Self:
        """Index ``(id, frames)`` pairs; ids must be unique unless ``unique_ids`` is False (then
        :meth:`query` may answer an id more than once). ``progress`` follows the PDQ bucketing."""
        ids: list[int] = []
        parts: list[Frames] = []
        for ident, video in videos:
            ids.append(int(ident))
            parts.append(frames_of(video))
        sizes = np.array([len(p) for p in parts], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        if parts:
            frames = Frames(
                np.concatenate([p.hashes for p in parts]),
                np.concatenate([p.qualities for p in parts]),
                np.concatenate([p.frame_numbers for p in parts]),
                np.concatenate([p.timestamps for p in parts]),
            )
        else:
            frames = _no_frames()
        return cls._from_checked(
            frames, starts, np.array(ids, dtype=np.int64), quality, strategy, progress, unique_ids
        )

    @classmethod
    def from_values(
        cls, values: Iterable[str], ids: npt.ArrayLike | None = None, *, rule: Rule | None = None
    ) -> Self:
        """Index vPDQ values (either text form) under ``ids`` (default 0..N-1; they may repeat), keeping
        frames of ``rule``'s quality and applying ``rule`` in :meth:`query_many`."""
        texts = list(values)
        id_list = list(range(len(texts))) if ids is None else np.asarray(ids, dtype=np.int64).tolist()
        if len(id_list) != len(texts):
            raise InvalidFramesError(f"{len(texts)} values but {len(id_list)} ids")
        rule = rule or Rule()
        videos = ((ident, frames_from_text(text)) for ident, text in zip(id_list, texts, strict=True))
        index = cls.build(videos, quality=rule.quality, unique_ids=False)
        index.rule = rule
        return index

    @classmethod
    def from_arrays(
        cls,
        frames: FrameArraysLike,
        starts: npt.ArrayLike,
        ids: npt.ArrayLike,
        *,
        quality: int = QUALITY,
        strategy: Strategy = "auto",
        progress: Progress | None = None,
    ) -> Self:
        """Index many videos given as one run of frames: video ``k`` (id ``ids[k]``) is frames
        ``starts[k]`` to ``starts[k + 1] - 1`` (``starts`` has one more entry than ``ids``)."""
        starts_arr = np.asarray(starts, dtype=np.int64)
        ids_arr = np.asarray(ids, dtype=np.int64)
        n = np.asarray(frames.hashes).shape[0]
        if ids_arr.ndim != 1 or starts_arr.shape != (ids_arr.shape[0] + 1,):
            raise InvalidFramesError("starts must have one entry more than ids")
        if starts_arr[0] != 0 or starts_arr[-1] != n or bool(np.any(np.diff(starts_arr) < 0)):
            raise InvalidFramesError(f"starts must rise from 0 to the number of frames ({n})")
        checked = frames_of(frames, ordered=False)
        back = np.flatnonzero(np.diff(checked.timestamps) < 0) + 1
        if back.shape[0] and not np.all(np.isin(back, starts_arr)):
            raise InvalidFramesError("frames of a video must be in time order (a timestamp goes backwards)")
        return cls._from_checked(checked, starts_arr, ids_arr, quality, strategy, progress)

    @classmethod
    def _from_checked(
        cls,
        frames: Frames,
        starts: I64,
        ids: I64,
        quality: int,
        strategy: Strategy,
        progress: Progress | None,
        unique_ids: bool = True,
    ) -> Self:
        Rule(quality=quality)  # checks the range
        if unique_ids and np.unique(ids).shape[0] != ids.shape[0]:
            raise InvalidFramesError("video ids must be unique")
        keep = _kept_rows(frames, starts, quality)
        video = np.repeat(np.arange(ids.shape[0]), np.diff(starts))[keep]
        counts = np.bincount(video, minlength=ids.shape[0])
        kept_starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        rows = np.ascontiguousarray(frames.hashes[keep])
        pdq = PdqIndex.build(rows, np.arange(rows.shape[0]), strategy=strategy, progress=progress)
        return cls(
            pdq,
            frozen(frames.frame_numbers[keep]),
            frozen(frames.timestamps[keep]),
            frozen(ids.copy()),
            frozen(kept_starts),
            quality,
        )

    # -- reading -------------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Videos indexed (those without a kept frame included; they never match)."""
        return int(self._ids.shape[0])

    @property
    def frames(self) -> int:
        """Kept frames indexed, over all videos."""
        return int(self._numbers.shape[0])

    def query(
        self,
        video: FrameArraysLike | str,
        rule: Rule | None = None,
        *,
        threshold: int | None = None,
        threads: int | None = None,
    ) -> list[VideoMatch]:
        """Every indexed video that ``video`` (frames, or a vPDQ value) matches under ``rule`` (default:
        :attr:`rule`), by query percentage, then compared percentage (both descending), then id;
        ``threshold`` replaces the rule's PDQ distance between frames. A video with no frame within the
        distance is never a match, whatever the thresholds. The frames are searched on ``threads``
        threads (default: one per CPU; fewer for a short video)."""
        rule = rule or self.rule
        if threshold is not None:
            rule = dataclasses.replace(rule, distance=int(threshold))
        if isinstance(video, str):
            video = frames_from_text(video)
        if rule.quality != self.quality:
            raise IndexQualityError(
                f"this index keeps frames of quality >= {self.quality}; rebuild it to match at {rule.quality}"
            )
        query = frames_of(video)
        qk = kept_frames(query, rule.quality)
        nq = int(qk.shape[0])
        if nq == 0:
            return []
        hits = self._pdq.query_pairs(query.hashes[qk], rule.distance, threads=threads)
        rows, qidx = hits.row, hits.query
        if rows.shape[0] == 0:
            return []
        if int(rows.min()) < 0 or int(rows.max()) >= self.frames:
            raise SnapshotError("vPDQ index is corrupt (a frame row outside the frames)")
        owner = np.searchsorted(self._starts, rows, side="right") - 1
        # Distinct (video, query frame) and distinct stored frames: the counts of the two percentages.
        pairs = np.unique(owner * nq + qidx)
        videos, q_counts = np.unique(pairs // nq, return_counts=True)
        frames_hit = np.unique(rows)
        frame_owner = np.searchsorted(self._starts, frames_hit, side="right") - 1
        _, o_counts = np.unique(frame_owner, return_counts=True)
        totals = self._starts[videos + 1] - self._starts[videos]
        q_pct = q_counts * 100 / nq
        o_pct = o_counts * 100 / totals
        accepted = np.flatnonzero((q_pct >= rule.query_percent) & (o_pct >= rule.compared_percent))
        q_numbers, q_stamps = query.frame_numbers[qk], query.timestamps[qk]
        out = []
        for k in accepted.tolist():
            v = int(videos[k])
            lo, hi = np.searchsorted(pairs, [v * nq, (v + 1) * nq])
            q_matched = pairs[lo:hi] - v * nq
            start, end = int(self._starts[v]), int(self._starts[v + 1])
            flo, fhi = np.searchsorted(frames_hit, [start, end])
            o_matched = frames_hit[flo:fhi] - start
            out.append(
                VideoMatch(
                    int(self._ids[v]),
                    percent(int(q_counts[k]), nq),
                    percent(int(o_counts[k]), int(totals[k])),
                    nq,
                    int(totals[k]),
                    int(q_counts[k]),
                    int(o_counts[k]),
                    ranges(q_matched, q_numbers, q_stamps),
                    ranges(o_matched, self._numbers[start:end], self._stamps[start:end]),
                )
            )
        out.sort(key=lambda m: (-m.query_percent, -m.compared_percent, m.id))
        return out

    def query_many(
        self, values: Iterable[str | FrameArraysLike], threshold: int | None = None
    ) -> list[list[VideoHit]]:
        """Per query (a vPDQ value, or frames), the matching videos under :attr:`rule`, each id once,
        by (distance, id). ``threshold``, when given, is the PDQ distance at which two frames match
        (the rule's otherwise): a lookup's PDQ threshold means the same for the frames of a video."""
        answers: list[list[VideoHit]] = []
        for value in values:
            best: dict[int, VideoMatch] = {}
            for match in self.query(value, threshold=threshold):
                best.setdefault(match.id, match)  # query answers best first
            hits = [VideoHit(ident, hit_distance(m), m) for ident, m in best.items()]
            hits.sort(key=lambda h: (h.distance, h.id))
            answers.append(hits)
        return answers

    def info(self) -> dict[str, Any]:
        return {
            "signal": SIGNAL,
            "videos": len(self),
            "frames": self.frames,
            "quality": self.quality,
            PDQ_SIGNAL: self._pdq.info(),
        }

    # -- snapshots -----------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the index as one snapshot file, atomically."""
        snapshot.write(path, SIGNAL, *self.snapshot_parts())

    def snapshot_parts(self) -> tuple[int, dict[str, Any], dict[str, npt.NDArray[Any]]]:
        """Videos, parameters and arrays of the snapshot :meth:`save` writes (what a scan ships to
        remote workers, ``scanning.shipped``)."""
        count, params, arrays = self._pdq.snapshot_parts()
        arrays |= {
            "frame_numbers": self._numbers,
            "frame_times": self._stamps,
            "video_ids": self._ids,
            "video_starts": self._starts,
        }
        own = {"format": FORMAT, "quality": self.quality, "frames": count, PDQ_SIGNAL: params}
        return len(self), own, arrays

    @classmethod
    def load(cls, path: str | Path, *, populate: bool = False, verify: bool = False) -> Self:
        """Map a snapshot written by :meth:`save` (``populate``/``verify`` as :meth:`PdqIndex.load`)."""
        dtypes = PdqIndex.snapshot_dtypes() | _OWN_ARRAYS
        snap = snapshot.read(path, frozenset({SIGNAL}), dtypes, populate=populate)
        if verify:
            snapshot.verify(snap)
        return cls.from_snapshot(snap)

    @classmethod
    def from_snapshot(cls, snap: snapshot.Snapshot) -> Self:
        """The index a read snapshot holds (or the parts :meth:`snapshot_parts` gave), checked."""

        def fail(why: str) -> SnapshotError:
            return SnapshotError(f"{snap.path}: snapshot is corrupt ({why})")

        try:
            fmt, quality = int(snap.params["format"]), int(snap.params["quality"])
            frames, pdq_params = int(snap.params["frames"]), dict(snap.params[PDQ_SIGNAL])
        except (KeyError, TypeError, ValueError) as exc:
            raise fail(f"parameters: {exc}") from exc
        if fmt != FORMAT:
            raise SnapshotFormatError(
                f"{snap.path}: vPDQ index format {fmt} is not one this Vigil reads ({FORMAT})"
            )
        if not 0 <= quality <= 100:
            raise fail("quality threshold out of range")
        a = snap.arrays
        inner = {name: a[name] for name in PdqIndex.snapshot_dtypes()}
        pdq = PdqIndex.from_snapshot(
            dataclasses.replace(snap, signal=PDQ_SIGNAL, count=frames, params=pdq_params, arrays=inner)
        )
        ids, starts = a["video_ids"], a["video_starts"]
        if len(pdq) != frames or a["frame_numbers"].shape != (frames,) or a["frame_times"].shape != (frames,):
            raise fail("frame arrays do not match the frames")
        if ids.ndim != 1 or starts.shape != (ids.shape[0] + 1,) or ids.shape[0] != snap.count:
            raise fail("video arrays do not match the videos")
        if starts[0] != 0 or starts[-1] != frames or bool(np.any(np.diff(starts) < 0)):
            raise fail("video starts do not rise from 0 to the frames")
        return cls(pdq, a["frame_numbers"], a["frame_times"], ids, starts, quality)


def _no_frames() -> Frames:
    return Frames(
        np.zeros((0, NBYTES), dtype=np.uint8),
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.float64),
    )


def _kept_rows(frames: Frames, starts: I64, quality: int) -> I64:
    """:func:`kept_frames` of every video at once: frames of quality >= ``quality`` whose hash did not
    occur earlier among the video's such frames, in their order."""
    good = np.flatnonzero(frames.qualities >= quality)
    if good.shape[0] < 2:
        return good.astype(np.int64)
    video = np.searchsorted(starts, good, side="right") - 1
    words = np.ascontiguousarray(frames.hashes[good]).view("<u8")
    # Stable sort by (video, hash): equal rows keep their order, so each group's first is the earliest.
    order = np.lexsort((words[:, 3], words[:, 2], words[:, 1], words[:, 0], video))
    w, v = words[order], video[order]
    first = np.ones(order.shape[0], dtype=np.bool_)
    first[1:] = (v[1:] != v[:-1]) | np.any(w[1:] != w[:-1], axis=1)
    return np.sort(good[order[first]]).astype(np.int64)
