"""The matcher: the latest published version of every list, searchable, replaced when a list publishes.

State is one immutable mapping replaced whole: a lookup reads ``self._lists`` once and works on that
consistent value without a lock. A refresh builds (or finds) the new version's snapshot on disk, maps it,
swaps the reference and lets the old mapping go when its last lookup ends, so the process never holds
two built copies of a list: only the new one's pages, mapped from disk.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.errors import NotFound, Unavailable
from vigil.matching import snapshots
from vigil.matching.content import match_signals
from vigil.matching.entries import PublishedVersion, published_versions, version_rows
from vigil.matching.signals import exact_signals, lookup_signals
from vigil.matching.snapshots import ListSnapshot
from vigil.signals.base import UnknownSignalTypeError
from vigil.signals.pdq import PDQ
from vigil.signals.values import Signals
from vigil.video.matching import Rule, VideoMatch

log = logging.getLogger(__name__)

#: Decides from a list's recipients whether the caller may see matches in it.
Audience = Callable[[Sequence[str]], bool]


class MatcherNotReadyError(Unavailable, RuntimeError):
    """No index is loaded yet (the first load is still running, or failed)."""

    retry_after = 5


class UnknownListError(NotFound):
    pass


@dataclass(frozen=True, slots=True)
class ListMatch:
    list: str
    version: int
    entry_id: int
    distance: int
    #: "scheme:code" of the entry, or None when the list's entry carries no category.
    category: str | None
    #: The signal that matched: ``pdq``, ``md5``, ``sha1``, ``sha256``, ``vpdq``, ...
    signal: str = PDQ.name
    #: A video match's percentages and time ranges (the ``distance`` is then ``100 - floor(query %)``).
    video: VideoMatch | None = None


class Matcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        folder: Path,
        poll_seconds: float = 5.0,
        *,
        build_url: str | None = None,
        video_rule: Rule | None = None,
    ) -> None:
        """``build_url``: build missing snapshots in a child process on this database, so that this
        process's heap never holds a list's hashes (only the mapped snapshot); None builds in-process.
        ``video_rule``: how videos match (``VIGIL_VPDQ_*``; pytx's defaults when None)."""
        self._sessions = sessions
        self._video_rule = video_rule
        self._build_url = build_url
        self._folder = folder
        self._poll = poll_seconds
        self._lists: Mapping[str, ListSnapshot] = MappingProxyType({})
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.last_error: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, sessions: sessionmaker[Session]) -> Matcher:
        """The matcher every process builds (API, hotline sweep and worker, scans): the shared snapshot
        folder, the configured poll interval and build mode."""
        return cls(
            sessions,
            settings.list_snapshot_dir,
            settings.index_poll_seconds,
            build_url=settings.sqlalchemy_url if settings.index_build_subprocess else None,
            video_rule=Rule.from_settings(settings),
        )

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Load in the background, then poll for new versions every ``poll_seconds``."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="vigil-matcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def polling(self) -> bool:
        """True while the background thread keeps the lists current (:meth:`start`)."""
        return self._thread is not None and self._thread.is_alive()

    def current(self) -> None:
        """Bring the lists up to date now unless the poll thread does it (a one-shot process, a worker
        between jobs): one query of the published versions, a snapshot load only when one changed."""
        if not self.polling:
            self.refresh()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._refresh_logged()
            if self._stop.wait(self._poll if self._poll > 0 else 3600):
                break

    def refresh_quietly(self) -> None:
        """:meth:`refresh`, logging a failure instead of raising it (for threads)."""
        self._refresh_logged()

    def _refresh_logged(self) -> None:
        try:
            self.refresh()
            self.last_error = None
        except Exception as exc:  # a poll thread has no caller: keep serving the state it has
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("refreshing the matching indexes failed")

    def refresh(self) -> list[str]:
        """Load the latest version of every list where it changed; returns the lists that changed."""
        with self._refresh_lock:
            with self._sessions() as session:
                latest = published_versions(session)
            current = self._lists
            changed: list[str] = []
            new: dict[str, ListSnapshot] = {}
            for version in latest:
                have = current.get(version.name)
                if have is not None and have.version.key == version.key:
                    # Recipients may change without a new version: keep them current.
                    new[version.name] = _with_version(have, version)
                    continue
                new[version.name] = self._open(version)
                changed.append(version.name)
            removed = set(current) - set(new)
            if changed or removed or not self._ready.is_set():
                self._lists = MappingProxyType(new)
            self._ready.set()
            return changed + sorted(removed)

    def _open(self, version: PublishedVersion) -> ListSnapshot:
        path = self._folder / version.key
        with snapshots.build_lock(self._folder):
            if path.exists():
                try:
                    return self._load_pruned(path, version)
                except snapshots.StaleSnapshotError as exc:
                    log.info("rebuilding the index of %s version %d: %s", version.name, version.version, exc)
                    shutil.rmtree(path)
            log.info("building the index of %s version %d", version.name, version.version)
            with self._sessions() as session:
                rows = version_rows(session, version.list_id, version.version)
                snapshots.build(self._folder, version, rows, self._video_rule)
            return self._load_pruned(path, version)

    def _load_pruned(self, path: Path, version: PublishedVersion) -> ListSnapshot:
        snapshots.prune(self._folder, version)
        return snapshots.load(path, version, self._video_rule)

    # -- lookups -------------------------------------------------------------------------------------

    def lists(self) -> Mapping[str, ListSnapshot]:
        return self._lists

    def status(self) -> dict[str, Any]:
        lists = self._lists
        return {
            "ready": self.ready,
            "error": self.last_error,
            "lists": {
                name: {
                    "version": snap.version.version,
                    "entries": int(snap.entry_ids.shape[0]),
                    "hashes": {kind: len(index) for kind, index in snap.indexes.items()},
                }
                for name, snap in lists.items()
            },
        }

    def _chosen(self, lists: Iterable[str] | None, audience: Audience | None) -> list[ListSnapshot]:
        if not self._ready.is_set():
            raise MatcherNotReadyError("the matching index is not loaded yet")
        state = self._lists
        if lists is None:
            chosen = list(state.values())
        else:
            names = list(dict.fromkeys(lists))
            unknown = [n for n in names if n not in state]
            if unknown:
                raise UnknownListError(f"no published list {', '.join(map(repr, unknown))}")
            chosen = [state[n] for n in names]
        allowed = [s for s in chosen if audience is None or audience(s.version.recipients)]
        if lists is not None and len(allowed) < len(chosen):
            # Same answer as for a list that does not exist: no hint that it does.
            hidden = sorted({s.version.name for s in chosen} - {s.version.name for s in allowed})
            raise UnknownListError(f"no published list {', '.join(map(repr, hidden))}")
        return allowed

    def lookup(
        self,
        signal_type: str,
        values: Sequence[str],
        threshold: int | None = None,
        lists: Iterable[str] | None = None,
        audience: Audience | None = None,
    ) -> list[list[ListMatch]]:
        """Per value (canonical hex), every entry of the chosen lists within ``threshold`` (PDQ;
        digests match by equality), sorted by (distance, list, entry id)."""
        if signal_type not in lookup_signals():
            raise UnknownSignalTypeError(f"unknown signal type {signal_type!r}")
        out: list[list[ListMatch]] = [[] for _ in values]
        if not values:
            return out
        for snap in self._chosen(lists, audience):
            index = snap.indexes.get(signal_type)
            if index is None:
                continue
            limit = None if signal_type in exact_signals() else threshold
            answers: Sequence[Sequence[Any]] = index.query_many(list(values), limit)
            for found, answer in zip(out, answers, strict=True):
                found.extend(_matches(snap, answer, signal_type))
        for found in out:
            found.sort(key=lambda m: (m.distance, m.list, m.entry_id))
        return out

    def match_content(
        self,
        signals: Signals,
        *,
        threshold: int | None = None,
        lists: Iterable[str] | None = None,
        audience: Audience | None = None,
        dihedral: bool = True,
    ) -> list[ListMatch]:
        """One item's signals against the lists (:meth:`match_many`)."""
        return self.match_many(
            [signals], threshold=threshold, lists=lists, audience=audience, dihedral=dihedral
        )[0]

    def match_many(
        self,
        items: Sequence[Signals],
        *,
        threshold: int | None = None,
        lists: Iterable[str] | None = None,
        audience: Audience | None = None,
        dihedral: bool = True,
    ) -> list[list[ListMatch]]:
        """Per item, the chosen lists' entries it matches (``vigil.matching.content.match_signals``:
        digests, then PDQ within ``threshold`` over the rotations and flips the signals carry with
        ``dihedral``; one match per entry, a digest's before a PDQ one), sorted by (distance, list,
        entry id). The API's content lookups, HMA and the hotline match content through this method.
        """
        snaps = self._chosen(lists, audience)
        out: list[list[ListMatch]] = []
        for hits in match_signals([s.indexes for s in snaps], items, threshold, dihedral=dihedral):
            found = [_match(snaps[h.source], h.id, h.distance, h.signal, h.detail) for h in hits]
            found.sort(key=lambda m: (m.distance, m.list, m.entry_id))
            out.append(found)
        return out


def _build_child(url: str, folder: str, fields: dict[str, Any]) -> None:
    from vigil.db.session import engine_for_url, make_session_factory

    version = PublishedVersion(**{**fields, "recipients": tuple(fields["recipients"])})
    engine = engine_for_url(url)
    try:
        with make_session_factory(engine)() as session:
            snapshots.build(Path(folder), version, version_rows(session, version.list_id, version.version))
    finally:
        engine.dispose()


def build_in_child(url: str, folder: Path, version: PublishedVersion) -> None:
    """Build a snapshot in a fresh (spawned) process: its memory goes back to the system when it ends."""
    fields = {f: getattr(version, f) for f in ("list_id", "name", "version", "digest", "entries")}
    fields["recipients"] = list(version.recipients)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        pool.submit(_build_child, url, str(folder), fields).result()


def _match(snap: ListSnapshot, row: int, distance: int, signal: str, detail: object = None) -> ListMatch:
    entry_id, category = snap.entry(row)
    video = detail if isinstance(detail, VideoMatch) else None
    return ListMatch(snap.version.name, snap.version.version, entry_id, distance, category, signal, video)


def _matches(snap: ListSnapshot, answer: Iterable[Any], signal: str) -> Iterable[ListMatch]:
    for hit in answer:
        yield _match(snap, int(hit.id), int(hit.distance), signal, getattr(hit, "video", None))


def _with_version(snap: ListSnapshot, version: PublishedVersion) -> ListSnapshot:
    if snap.version == version:
        return snap
    return ListSnapshot(
        version, snap.indexes, snap.entry_ids, snap.categories, snap.category_names, snap.path
    )
