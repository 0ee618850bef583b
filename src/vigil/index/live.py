"""What makes an index live: adds searched at once (a small delta beside the main structure), removals as
tombstones, compaction on demand or in the background, queries safe while other threads write.

The whole index state is one immutable value, replaced (never changed) by writers: a query reads
``self._state`` once and works on that consistent value without a lock, however long it takes. Writers
serialise on a lock and build the next state copy-on-write: the delta is small, and the main structure
(possibly a memory-mapped snapshot) is only ever replaced whole, by compaction.

Subclasses (:class:`~vigil.index.pdq.PdqIndex`, :class:`~vigil.index.exact.ExactIndex`) provide the
searchable structure ``S`` over a block of rows.
"""

from __future__ import annotations

import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final, Generic, NamedTuple, Self, TypeVar

import numpy as np
import numpy.typing as npt

from vigil.arrays import I64, U8
from vigil.index import snapshot
from vigil.index.base import HashesLike, HashLike, IdsLike, Match, SnapshotError
from vigil.index.inputs import hash_array, id_array, one_hash

S = TypeVar("S")
Mask = npt.NDArray[np.bool_]

log = logging.getLogger(__name__)

#: Delta rows past which ``add`` starts a background compaction (when ``auto_compact`` is on).
DELTA_LIMIT: Final = 1 << 15
#: query_many splits a batch over threads from this many queries on.
PARALLEL_MIN: Final = 64
#: query_pairs from this many: its callers wait for one answer to a whole batch (a video's frames),
#: so its latency is what counts, and a thread costs less than searching 16 hashes of a large index.
PAIRS_PARALLEL_MIN: Final = 16


class Hits(NamedTuple):
    """Raw results of searching one block of rows: query number, row, distance (int64 each)."""

    query: I64
    row: I64
    dist: I64


def no_hits() -> Hits:
    empty = np.zeros(0, dtype=np.int64)
    return Hits(empty, empty, empty)


def frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``array``, made read-only: structures are shared between threads and states."""
    array.setflags(write=False)
    return array


@dataclass(frozen=True, slots=True)
class Segment(Generic[S]):
    """A block of rows: its searchable structure, ids, and tombstones (``dead``: None when none)."""

    struct: S
    ids: I64
    dead: Mask | None = None
    removed: int = 0
    #: (rows sorted by id, those ids): built on the first removal, shared by later copies.
    _lookup: list[tuple[I64, I64]] = field(default_factory=list, compare=False, repr=False)

    @property
    def rows(self) -> int:
        return int(self.ids.shape[0])

    @property
    def live(self) -> int:
        return self.rows - self.removed

    def rows_of(self, ids: I64) -> I64:
        """Rows holding any of ``ids`` (sorted, unique)."""
        if not self._lookup:
            order = np.argsort(self.ids, kind="stable")
            self._lookup.append((order, self.ids[order]))
        order, sorted_ids = self._lookup[0]
        lo = np.searchsorted(sorted_ids, ids, side="left")
        hi = np.searchsorted(sorted_ids, ids, side="right")
        counts = hi - lo
        total = int(counts.sum())
        # The positions lo[k] .. hi[k] - 1 of every id, in one vectorised step.
        positions = np.arange(total) + np.repeat(lo - (np.cumsum(counts) - counts), counts)
        return np.asarray(order[positions], dtype=np.int64)

    def kill(self, ids: I64) -> tuple[Segment[S], int]:
        """This segment with every live row of ``ids`` tombstoned, and how many that was."""
        rows = self.rows_of(ids)
        if self.dead is not None:
            rows = rows[~self.dead[rows]]
        if rows.shape[0] == 0:
            return self, 0
        dead = np.zeros(self.rows, dtype=np.bool_) if self.dead is None else self.dead.copy()
        dead[rows] = True
        killed = int(rows.shape[0])
        return Segment(self.struct, self.ids, frozen(dead), self.removed + killed, self._lookup), killed


@dataclass(frozen=True, slots=True)
class State(Generic[S]):
    base: Segment[S]
    delta: Segment[S]
    next_id: int

    @property
    def live(self) -> int:
        return self.base.live + self.delta.live


def group(nq: int, qidx: I64, ids: I64, dist: I64) -> list[list[Match]]:
    """Per query, each id once at its smallest distance, sorted by (distance, id)."""
    out: list[list[Match]] = [[] for _ in range(nq)]
    if qidx.shape[0] == 1:
        out[int(qidx[0])].append(Match(int(ids[0]), int(dist[0])))
    elif qidx.shape[0]:
        order = np.lexsort((dist, ids, qidx))
        q, i, d = qidx[order], ids[order], dist[order]
        first = np.ones(q.shape[0], dtype=np.bool_)
        first[1:] = (q[1:] != q[:-1]) | (i[1:] != i[:-1])
        q, i, d = q[first], i[first], d[first]
        order = np.lexsort((i, d, q))
        for qq, ii, dd in zip(q[order].tolist(), i[order].tolist(), d[order].tolist(), strict=True):
            out[qq].append(Match(ii, dd))
    return out


class LiveIndex(ABC, Generic[S]):
    """The live-update machinery shared by every index; ``S`` is the searchable structure of a block."""

    #: The snapshot arrays every index stores besides its structure's own.
    COMMON_ARRAYS: ClassVar[dict[str, str]] = {
        "base_ids": "<i8",
        "base_dead": "<i8",
        "delta_hashes": "|u1",
        "delta_ids": "<i8",
        "delta_dead": "<i8",
    }

    def __init__(self, signal: str, nbytes: int, default_threshold: int) -> None:
        self._signal = signal
        self._nbytes = nbytes
        self.default_threshold = default_threshold
        empty = self._block(np.zeros((0, nbytes), dtype=np.uint8), main=False)
        none = frozen(np.zeros(0, dtype=np.int64))
        self._state: State[S] = State(Segment(empty, none), Segment(empty, none), 0)
        self._write_lock = threading.Lock()
        self._compact_lock = threading.Lock()
        self._compactor: threading.Thread | None = None
        self.auto_compact = True
        self.delta_limit = DELTA_LIMIT
        self.compaction_error: BaseException | None = None

    # -- what a concrete index provides ---------------------------------------------------------------

    @abstractmethod
    def _block(self, hashes: U8, *, main: bool) -> S:
        """The structure over ``hashes`` (rows in the given order): ``main`` for the large, rarely rebuilt
        one, else the delta's (cheap to rebuild at every add)."""

    @abstractmethod
    def _hashes(self, struct: S) -> U8:
        """The (rows, nbytes) hashes of ``struct``, in row order."""

    @abstractmethod
    def _search(self, struct: S, queries: U8, threshold: int) -> Hits:
        """Every row of ``struct`` within ``threshold`` of each query."""

    @abstractmethod
    def _struct_arrays(self, struct: S) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        """Parameters and arrays that save ``struct`` in a snapshot."""

    @abstractmethod
    def _struct_from(self, params: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> S:
        """The structure back from a snapshot's (untrusted) parameters and arrays."""

    @classmethod
    @abstractmethod
    def _snapshot_arrays(cls) -> dict[str, str]:
        """Name → dtype of the structure's snapshot arrays."""

    @classmethod
    @abstractmethod
    def _empty(cls, signal: str) -> Self:
        """An empty index of ``signal``."""

    @classmethod
    @abstractmethod
    def signals(cls) -> frozenset[str]:
        """The signal types this class indexes."""

    def _init_main(self, rows: U8, ids: I64) -> None:
        """Make ``rows`` under ``ids`` the main structure of this (new, empty) index."""
        struct = self._block(rows, main=True)
        next_id = int(ids.max()) + 1 if ids.shape[0] else 0
        self._state = State(Segment(struct, frozen(ids)), self._state.delta, max(next_id, 0))

    # -- reading -------------------------------------------------------------------------------------

    @property
    def signal(self) -> str:
        return self._signal

    @property
    def hash_bytes(self) -> int:
        """Width of one hash in bytes."""
        return self._nbytes

    def __len__(self) -> int:
        return self._state.live

    def query(self, h: HashLike, threshold: int | None = None) -> list[Match]:
        """Every stored id within ``threshold`` of ``h``, sorted by (distance, id)."""
        return self._answer(one_hash(h, self._nbytes, self._signal), self._threshold(threshold))[0]

    def query_many(
        self, hs: HashesLike, threshold: int | None = None, *, threads: int | None = None
    ) -> list[list[Match]]:
        """:meth:`query` for each of ``hs``, in order; large batches run on ``threads`` threads (default:
        one per CPU)."""
        queries = hash_array(hs, self._nbytes, self._signal)
        t = self._threshold(threshold)
        workers = min(threads or cpus(), max(1, queries.shape[0] // PARALLEL_MIN))
        if workers <= 1:
            return self._answer(queries, t)
        parts = np.array_split(queries, workers)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigil-query") as pool:
            answers = list(pool.map(lambda part: self._answer(part, t), parts))
        return [matches for answer in answers for matches in answer]

    def query_pairs(
        self, hs: HashesLike, threshold: int | None = None, *, threads: int | None = None
    ) -> Hits:
        """Every (query number, id, distance) within ``threshold``, one per stored row, ungrouped and in
        no particular order: for callers that aggregate the rows themselves (video matching counts which
        query frames and which stored frames met), where building a Match per pair would cost more.
        Batches of 32 queries and more run on ``threads`` threads (default: one per CPU)."""
        queries = hash_array(hs, self._nbytes, self._signal)
        t = self._threshold(threshold)
        workers = min(threads or cpus(), max(1, queries.shape[0] // PAIRS_PARALLEL_MIN))
        state = self._state  # one state for every part of the batch
        if workers <= 1:
            return self._pairs(state, queries, t, 0)
        bounds = np.linspace(0, queries.shape[0], workers + 1).astype(np.int64).tolist()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigil-query") as pool:
            parts = list(
                pool.map(
                    lambda k: self._pairs(state, queries[bounds[k] : bounds[k + 1]], t, bounds[k]),
                    range(workers),
                )
            )
        return Hits(*(np.concatenate([p[k] for p in parts]) for k in range(3)))

    def _pairs(self, state: State[S], queries: U8, threshold: int, first: int) -> Hits:
        parts = [self._hits(seg, queries, threshold) for seg in (state.base, state.delta) if seg.rows]
        if not parts:
            return no_hits()
        qidx, ids, dist = (np.concatenate([p[k] for p in parts]) for k in range(3))
        return Hits(qidx + first if first else qidx, ids, dist)

    def _query_merged(self, hs: HashesLike, threshold: int | None) -> list[Match]:
        """One answer for several hashes of one item: each id at its smallest distance to any of them."""
        queries = hash_array(hs, self._nbytes, self._signal)
        return self._answer(queries, self._threshold(threshold), merged=True)[0]

    def _threshold(self, threshold: int | None) -> int:
        t = self.default_threshold if threshold is None else int(threshold)
        if not 0 <= t <= 8 * self._nbytes:
            raise ValueError(f"threshold must be between 0 and {8 * self._nbytes}, got {t}")
        return t

    def _answer(self, queries: U8, threshold: int, *, merged: bool = False) -> list[list[Match]]:
        state = self._state
        parts = [self._hits(seg, queries, threshold) for seg in (state.base, state.delta) if seg.rows]
        parts = [p for p in parts if p[0].shape[0]]
        nq = queries.shape[0]
        if not parts:
            return [[] for _ in range(1 if merged else nq)]
        qidx, ids, dist = (np.concatenate([p[k] for p in parts]) for k in range(3))
        if merged:
            return group(1, np.zeros_like(qidx), ids, dist)
        return group(nq, qidx, ids, dist)

    def _hits(self, seg: Segment[S], queries: U8, threshold: int) -> tuple[I64, I64, I64]:
        hits = self._search(seg.struct, queries, threshold)
        rows = hits.row
        if seg.dead is not None and rows.shape[0]:
            keep = ~seg.dead[rows]
            return hits.query[keep], seg.ids[rows[keep]], hits.dist[keep]
        return hits.query, seg.ids[rows], hits.dist

    # -- writing -------------------------------------------------------------------------------------

    def add(self, hashes: HashesLike, ids: IdsLike | None = None) -> None:
        """Add rows; they are matchable when this returns. ``ids`` default to consecutive numbers after
        the largest id seen so far."""
        new = hash_array(hashes, self._nbytes, self._signal)
        if new.shape[0] == 0:
            return
        with self._write_lock:
            state = self._state
            new_ids = id_array(ids, new.shape[0], state.next_id)
            delta = state.delta
            all_hashes = np.concatenate([self._hashes(delta.struct), new])
            dead = None if delta.dead is None else np.concatenate([delta.dead, np.zeros(new.shape[0], bool)])
            self._state = State(
                state.base,
                Segment(
                    self._block(all_hashes, main=False),
                    frozen(np.concatenate([delta.ids, new_ids])),
                    None if dead is None else frozen(dead),
                    delta.removed,
                ),
                max(state.next_id, int(new_ids.max()) + 1),
            )
            full = self._state.delta.rows >= self.delta_limit
        if full and self.auto_compact:
            self.compact_in_background()

    def remove(self, ids: IdsLike) -> int:
        """Tombstone every row of these ids; they stop matching when this returns. Returns the number of
        rows removed."""
        wanted = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        with self._write_lock:
            state = self._state
            base, in_base = state.base.kill(wanted)
            delta, in_delta = state.delta.kill(wanted)
            if in_base or in_delta:
                self._state = State(base, delta, state.next_id)
        return in_base + in_delta

    def compact(self) -> None:
        """Rebuild the main structure from every live row, emptying the delta and dropping tombstones.
        Queries, adds and removes carry on meanwhile; what they did is carried over to the result."""
        with self._compact_lock:
            start = self._state
            if not start.delta.rows and not start.base.removed:
                return
            pieces = [_live_rows(self._hashes(seg.struct), seg) for seg in (start.base, start.delta)]
            origin = np.concatenate([pieces[0][2], pieces[1][2] + start.base.rows])
            struct = self._block(np.concatenate([pieces[0][0], pieces[1][0]]), main=True)
            ids = frozen(np.concatenate([pieces[0][1], pieces[1][1]]))
            with self._write_lock:
                now = self._state
                seen = start.delta.rows
                tombs = np.concatenate([_dead(now.base), _dead(now.delta)[:seen]])[origin]
                removed = int(np.count_nonzero(tombs))
                base = Segment(struct, ids, frozen(tombs) if removed else None, removed)
                later = now.delta
                tail = self._hashes(later.struct)[seen:]
                tail_dead = _dead(later)[seen:]
                tail_removed = int(np.count_nonzero(tail_dead))
                delta = Segment(
                    self._block(np.ascontiguousarray(tail), main=False),
                    frozen(later.ids[seen:].copy()),
                    frozen(tail_dead.copy()) if tail_removed else None,
                    tail_removed,
                )
                self._state = State(base, delta, now.next_id)

    def compact_in_background(self) -> threading.Thread:
        """Start :meth:`compact` in a daemon thread (or return the one already running)."""
        with self._write_lock:
            if self._compactor is not None and self._compactor.is_alive():
                return self._compactor
            thread = threading.Thread(target=self._compact_logged, name="vigil-index-compact", daemon=True)
            self._compactor = thread
            thread.start()
            return thread

    def wait_for_compaction(self, timeout: float | None = None) -> None:
        thread = self._compactor
        if thread is not None:
            thread.join(timeout)

    def _compact_logged(self) -> None:
        try:
            self.compact()
        except BaseException as exc:  # a daemon thread has no caller to raise to
            self.compaction_error = exc
            log.exception("background compaction of the %s index failed", self._signal)

    # -- snapshots -----------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the current state (main structure, delta and tombstones) as a snapshot, atomically."""
        count, params, arrays = self.snapshot_parts()
        snapshot.write(path, self._signal, count, params, arrays)

    def snapshot_parts(self) -> tuple[int, dict[str, Any], dict[str, npt.NDArray[Any]]]:
        """Live rows, parameters and arrays of a snapshot of the current state: what :meth:`save` writes,
        for an index that stores this one inside its own snapshot (:class:`~vigil.index.vpdq.VpdqIndex`)."""
        state = self._state
        params, arrays = self._struct_arrays(state.base.struct)
        arrays |= {
            "base_ids": state.base.ids,
            "base_dead": np.flatnonzero(_dead(state.base)).astype(np.int64),
            "delta_hashes": self._hashes(state.delta.struct),
            "delta_ids": state.delta.ids,
            "delta_dead": np.flatnonzero(_dead(state.delta)).astype(np.int64),
        }
        return state.live, {**params, "next_id": state.next_id, "byteorder": "little"}, arrays

    @classmethod
    def snapshot_dtypes(cls) -> dict[str, str]:
        """Name → dtype of every array of this index's snapshots."""
        return cls._snapshot_arrays() | cls.COMMON_ARRAYS

    @classmethod
    def load(cls, path: str | Path, *, populate: bool = False, verify: bool = False) -> Self:
        """Open a snapshot by memory-mapping it: O(1) work, the pages are read as queries touch them
        (``populate``: map them all now; ``verify``: check every array's checksum, O(size))."""
        snap = snapshot.read(path, cls.signals(), cls.snapshot_dtypes(), populate=populate)
        if verify:
            snapshot.verify(snap)
        return cls.from_snapshot(snap)

    @classmethod
    def from_snapshot(cls, snap: snapshot.Snapshot) -> Self:
        """The index a read snapshot holds (its arrays, parameters and live-row count)."""
        index = cls._empty(snap.signal)
        index._restore(snap)
        return index

    def _restore(self, snap: snapshot.Snapshot) -> None:
        def fail(why: str) -> SnapshotError:
            return SnapshotError(f"{snap.path}: snapshot is corrupt ({why})")

        if snap.params.get("byteorder") != "little":
            raise fail("unknown byte order")
        a = snap.arrays
        try:
            struct = self._struct_from(snap.params, a)
            next_id = int(snap.params["next_id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise fail(str(exc)) from exc
        nrows = self._hashes(struct).shape[0]
        if a["base_ids"].shape != (nrows,) or a["delta_ids"].shape[0] != a["delta_hashes"].shape[0]:
            raise fail("ids do not match the hashes")
        if a["delta_hashes"].ndim != 2 or a["delta_hashes"].shape[1] != self._nbytes:
            raise fail("delta hashes have the wrong width")
        delta_struct = self._block(np.array(a["delta_hashes"]), main=False)
        base = _with_dead(Segment(struct, a["base_ids"]), a["base_dead"], fail)
        delta = _with_dead(Segment(delta_struct, frozen(np.array(a["delta_ids"]))), a["delta_dead"], fail)
        state = State(base, delta, next_id)
        if state.live != snap.count:
            raise fail(f"header says {snap.count} rows, arrays hold {state.live}")
        self._state = state

    def info(self) -> dict[str, Any]:
        state = self._state
        return {
            "signal": self._signal,
            "count": state.live,
            "main_rows": state.base.rows,
            "delta_rows": state.delta.rows,
            "removed": state.base.removed + state.delta.removed,
            "next_id": state.next_id,
            "hash_bytes": self._nbytes,
        }


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _dead(seg: Segment[Any]) -> Mask:
    return seg.dead if seg.dead is not None else np.zeros(seg.rows, dtype=np.bool_)


def _live_rows(hashes: U8, seg: Segment[Any]) -> tuple[U8, I64, I64]:
    if seg.dead is None:
        return hashes, seg.ids, np.arange(seg.rows, dtype=np.int64)
    keep = np.flatnonzero(~seg.dead)
    return hashes[keep], seg.ids[keep], keep


def _with_dead(seg: Segment[S], dead_rows: I64, fail: Callable[[str], SnapshotError]) -> Segment[S]:
    if dead_rows.shape[0] == 0:
        return seg
    if dead_rows.ndim != 1 or int(dead_rows.min()) < 0 or int(dead_rows.max()) >= seg.rows:
        raise fail("tombstones outside the rows")
    dead = np.zeros(seg.rows, dtype=np.bool_)
    dead[dead_rows] = True
    return Segment(seg.struct, seg.ids, frozen(dead), int(np.count_nonzero(dead)))
