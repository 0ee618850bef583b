"""RegionIndex: pictures by their ``pdq_regions`` values (signals/regions.py), found after crops, borders
and re-framing.

Candidates: every stored region hash (a few per picture) is one row of a :class:`PdqIndex` (multi-index
hashing, exact range search), whose id is the row's position in two arrays beside it: the picture's id
and the region's number. A query asks for all its regions at once (one batch), each within the
threshold, which is small (24) because each query region is an exact hypothesis of where a known region
now lies: the search stays cheap at millions of pictures.

Verification: a hit counts only when the stored region is the one the query region stands for (a query
region placed where the central 50 % would lie after a 10 % crop says nothing when it resembles some
picture's whole frame). A picture matches when one region agrees within ``STRONG`` (16) bits, or two different
regions agree within the threshold; its distance is its best agreeing region's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, Self

import numpy as np
import numpy.typing as npt

from vigil.arrays import I8, I64, U8
from vigil.index import snapshot
from vigil.index.base import (
    HashesLike,
    HashLike,
    IdsLike,
    Match,
    SingleSignal,
    SnapshotError,
    SnapshotFormatError,
)
from vigil.index.inputs import id_array
from vigil.index.pdq import PdqIndex, Strategy
from vigil.signals.pdq import PDQ
from vigil.signals.regions import (
    DEFAULT_THRESHOLD,
    HEX,
    KNOWN_REGIONS,
    NAME,
    PDQ_REGIONS,
    QUERY_KNOWN,
    QUERY_REGIONS,
)

SIGNAL: Final = NAME
#: 2: four known regions (the central 85 % added).
FORMAT: Final = 2
#: One region this close to the region it stands for suffices; otherwise two regions must agree. The
#: largest distance at which the benchmark's false matches stayed at PDQ's (18 added one); 12 before,
#: which lost a tenth of the 20 % crops, where only the central 50 % is left to match.
STRONG: Final = 16
_OWN_ARRAYS: Final = {"pictures": "<i8", "regions": "|i1"}


_KNOWN_OF_STORED: Final = np.arange(len(KNOWN_REGIONS), dtype=np.int8)
_KNOWN_OF_QUERY: Final = np.asarray(QUERY_KNOWN, dtype=np.int8)


def _value_rows(value: str | bytes) -> U8:
    """The region hashes of a value or a query as (n, 32) bytes, zeros (flat regions) included."""
    text = value.decode() if isinstance(value, bytes) else value
    raw = bytes.fromhex(PDQ_REGIONS.normalize(text))
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32)


class RegionIndex(SingleSignal, signal=SIGNAL):
    """Pictures by their region hashes. Build with :meth:`build`, or :meth:`load` a snapshot."""

    default_threshold: Final = DEFAULT_THRESHOLD

    def __init__(self, pdq: PdqIndex, pictures: I64, regions: I8, count: int) -> None:
        self._pdq = pdq
        self._pictures = pictures
        self._regions = regions
        self._count = count
        self._lock = threading.Lock()
        #: Read-only indexes (a list snapshot's) are never compacted.
        self.auto_compact = True

    @classmethod
    def build(cls, hashes: HashesLike, ids: IdsLike | None = None, *, strategy: Strategy = "auto") -> Self:
        """Index ``pdq_regions`` values (text) under ``ids`` (default 0..N-1)."""
        rows, pictures, regions, count = _rows_of(hashes, ids, 0)
        pdq = PdqIndex.build(rows, np.arange(rows.shape[0], dtype=np.int64), strategy=strategy)
        return cls(pdq, pictures, regions, count)

    @property
    def hash_bytes(self) -> int:
        """Bytes of a stored value (its known regions' hashes)."""
        return 32 * len(KNOWN_REGIONS)

    def __len__(self) -> int:
        """Pictures indexed (added, not removed)."""
        return self._count

    # -- queries ---------------------------------------------------------------------------------------

    def query(self, h: HashLike, threshold: int | None = None) -> list[Match]:
        if isinstance(h, np.ndarray):
            raise TypeError("a pdq_regions query is its text value")
        return self.query_many([h], threshold)[0]

    def query_many(self, hs: Iterable[str | bytes], threshold: int | None = None) -> list[list[Match]]:
        """Per query (a stored value, or the query form a picture's signals carry as their variant), the
        verified pictures nearest first. ``threshold`` may narrow the search, never widen it past the
        default: wider, region hashes of unrelated pictures start to agree."""
        limit = DEFAULT_THRESHOLD if threshold is None else min(int(threshold), DEFAULT_THRESHOLD)
        if limit < 0:
            raise ValueError(f"threshold must be at least 0, got {threshold}")
        blocks: list[U8] = []
        owners: list[I64] = []
        stands_for: list[npt.NDArray[np.int8]] = []
        values = list(hs)
        for number, value in enumerate(values):
            rows = _value_rows(value)
            known = _KNOWN_OF_QUERY if rows.shape[0] == len(QUERY_REGIONS) else _KNOWN_OF_STORED
            keep = np.flatnonzero(rows.any(axis=1))
            blocks.append(rows[keep])
            owners.append(np.full(keep.shape[0], number, dtype=np.int64))
            stands_for.append(known[keep])
        answers: list[list[Match]] = [[] for _ in values]
        if not blocks or len(self._pdq) == 0:
            return answers
        queries = np.concatenate(blocks)
        if queries.shape[0] == 0:
            return answers
        owner, known = np.concatenate(owners), np.concatenate(stands_for)
        qidx, rows_hit, dist = self._pdq.query_pairs(queries, limit)
        pictures, regions = self._pictures, self._regions
        agree = regions[rows_hit] == known[qidx]
        return _verified(answers, owner[qidx[agree]], pictures[rows_hit[agree]], regions[rows_hit[agree]],
                         dist[agree])  # fmt: skip

    # -- updates ---------------------------------------------------------------------------------------

    def add(self, hashes: HashesLike, ids: IdsLike | None = None) -> None:
        with self._lock:
            first = int(self._pictures.max()) + 1 if self._pictures.shape[0] else 0
            rows, pictures, regions, count = _rows_of(hashes, ids, first)
            start = self._pictures.shape[0]
            # The mapping grows before the rows are searchable, so a query never meets a row without it.
            self._pictures = np.concatenate([self._pictures, pictures])
            self._regions = np.concatenate([self._regions, regions])
            self._pdq.add(rows, np.arange(start, start + rows.shape[0], dtype=np.int64))
            self._count += count

    def remove(self, ids: IdsLike) -> int:
        """Remove every picture of these ids; returns how many region rows were removed."""
        gone = np.asarray(ids, dtype=np.int64).reshape(-1)
        with self._lock:
            rows = np.flatnonzero(np.isin(self._pictures, gone))
            removed = self._pdq.remove(rows)
            self._count -= int(np.unique(self._pictures[rows]).shape[0]) if removed else 0
            return removed

    def compact(self) -> None:
        self._pdq.compact()

    # -- snapshots -------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        count, params, arrays = self._pdq.snapshot_parts()
        arrays |= {"pictures": self._pictures, "regions": self._regions}
        own = {"format": FORMAT, "regions": len(KNOWN_REGIONS), "rows": count, "count": self._count,
               PDQ.name: params}  # fmt: skip
        snapshot.write(path, SIGNAL, self._count, own, arrays)

    @classmethod
    def load(cls, path: str | Path, *, populate: bool = False, verify: bool = False) -> Self:
        """Map a snapshot written by :meth:`save` (``populate``/``verify`` as :meth:`PdqIndex.load`)."""
        snap = snapshot.read(path, cls.signals(), PdqIndex.snapshot_dtypes() | _OWN_ARRAYS, populate=populate)
        if verify:
            snapshot.verify(snap)
        try:
            fmt, regions, rows = (
                int(snap.params["format"]),
                int(snap.params["regions"]),
                int(snap.params["rows"]),
            )
            pdq_params = dict(snap.params[PDQ.name])
        except (KeyError, TypeError, ValueError) as exc:
            raise SnapshotError(f"{snap.path}: snapshot is corrupt (parameters: {exc})") from exc
        if fmt != FORMAT or regions != len(KNOWN_REGIONS):
            raise SnapshotFormatError(
                f"{snap.path}: region index format {fmt}/{regions} is not one this Vigil reads"
                f" (format {FORMAT}/{len(KNOWN_REGIONS)}); rebuild it with vigil index build"
            )
        inner = {name: snap.arrays[name] for name in PdqIndex.snapshot_dtypes()}
        import dataclasses

        pdq = PdqIndex.from_snapshot(
            dataclasses.replace(snap, signal=PDQ.name, count=rows, params=pdq_params, arrays=inner)
        )
        pictures, kinds = snap.arrays["pictures"], snap.arrays["regions"]
        if pictures.shape != kinds.shape or pictures.ndim != 1:
            raise SnapshotError(f"{snap.path}: snapshot is corrupt (region arrays differ)")
        if kinds.size and (int(kinds.min()) < 0 or int(kinds.max()) >= len(KNOWN_REGIONS)):
            raise SnapshotError(f"{snap.path}: snapshot is corrupt (region numbers)")
        return cls(pdq, pictures, kinds, snap.count)

    def info(self) -> dict[str, Any]:
        return {
            "signal": SIGNAL,
            "pictures": self._count,
            "region_rows": int(self._pictures.shape[0]),
            "known_regions": len(KNOWN_REGIONS),
            "query_regions": len(QUERY_REGIONS),
            "threshold": DEFAULT_THRESHOLD,
            "delta_rows": self._pdq.info()["delta_rows"],
            PDQ.name: self._pdq.info(),
        }


def _rows_of(hashes: HashesLike, ids: IdsLike | None, first: int) -> tuple[U8, I64, I8, int]:
    """Region rows (flat regions left out), with each row's picture id and region number."""
    if isinstance(hashes, np.ndarray):
        raise TypeError("pdq_regions values are text")
    values = list(hashes)
    picture_ids = id_array(ids, len(values), first)
    blocks: list[U8] = []
    for value in values:
        rows = _value_rows(value)
        if rows.shape[0] != len(KNOWN_REGIONS):
            raise ValueError(f"not a stored {NAME} value: expected {HEX * len(KNOWN_REGIONS)} hex digits")
        blocks.append(rows)
    if not blocks:
        return np.zeros((0, 32), dtype=np.uint8), np.zeros(0, np.int64), np.zeros(0, np.int8), 0
    every = np.stack(blocks)  # (n, K, 32)
    live = every.any(axis=2)
    at_picture, at_region = np.nonzero(live)
    return (
        np.ascontiguousarray(every[at_picture, at_region]),
        picture_ids[at_picture],
        at_region.astype(np.int8),
        len(values),
    )


def _verified(
    answers: list[list[Match]], owner: I64, picture: I64, region: I8, dist: I64
) -> list[list[Match]]:
    """Per query, the pictures one of whose regions agrees within ``STRONG`` or two regions agree."""
    if owner.shape[0] == 0:
        return answers
    order = np.lexsort((dist, region, picture, owner))
    owner, picture, region, dist = owner[order], picture[order], region[order], dist[order]
    best: dict[tuple[int, int], int] = {}
    regions_seen: dict[tuple[int, int], set[int]] = {}
    for o, p, r, d in zip(owner.tolist(), picture.tolist(), region.tolist(), dist.tolist(), strict=True):
        key = (o, p)
        if d < best.get(key, d + 1):
            best[key] = d
        regions_seen.setdefault(key, set()).add(r)
    for (o, p), d in best.items():
        if d <= STRONG or len(regions_seen[(o, p)]) >= 2:
            answers[o].append(Match(p, d))
    for found in answers:
        found.sort(key=lambda m: (m.distance, m.id))
    return answers
