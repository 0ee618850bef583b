"""The scan pipeline as a pure function: one file's bytes → items (the file and every archive member,
recursively) → signals. Matching is a separate pure step over a batch of items. Runners (local
processes, Ray) only distribute these functions; they add no logic of their own."""

from __future__ import annotations

import io
import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any, BinaryIO, Final

from vigil.scanning.archives import ArchiveError, ArchiveLimits, BombError, members
from vigil.scanning.filetypes import is_archive, sniff
from vigil.scanning.walk import Found
from vigil.signals.content import HashOptions, internal_error, os_error_reason, signals_from_read
from vigil.signals.crypto import StreamRead, read_and_digest
from vigil.signals.values import Signals
from vigil.storage import s3
from vigil.video.facts import VideoFacts
from vigil.video.magic import looks_like_video

#: Separates an archive's path from a member's name in display paths: ``case/a.zip!photos/1.jpg``.
SEP = "!"
#: Bytes a file's type is told from (``read_and_digest``'s head).
_HEAD: Final = 64 * 1024

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScanOptions:
    hashing: HashOptions = field(default_factory=lambda: HashOptions(dihedral=True))
    archives: ArchiveLimits = field(default_factory=ArchiveLimits)


@dataclass(slots=True)
class Match:
    """A known-list entry that an item matched."""

    signal_type: str
    entry_id: int
    distance: int
    list_name: str | None = None
    category: str | None = None
    series: str | None = None
    #: A video match: where on the scanned video the matching content is, as ``[start, end]`` seconds
    #: (``VideoMatch.query_ranges``); None when the match carries none.
    query_ranges: list[list[float]] | None = None


@dataclass(slots=True)
class ScanItem:
    ordinal: int
    path: str
    archive: str | None = None
    depth: int = 0
    mime: str | None = None
    signals: Signals = field(default_factory=Signals)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False
    matches: list[Match] = field(default_factory=list)
    #: Known entries beyond the match threshold but close: hints that an unknown image joins a series.
    near: list[Match] = field(default_factory=list)
    #: A JPEG preview made by the worker (ScanOptions.hashing.preview); kept apart from the checkpoint.
    preview: bytes | None = field(default=None, repr=False, compare=False)
    #: A video's length and frame count.
    video: VideoFacts | None = None

    def to_json(self, *, variants: bool = True) -> dict[str, Any]:
        """The checkpoint's (and, without ``variants``, the report's) form: the item's fields with its
        signals flat among them (``Signals.to_json``)."""
        # By hand: dataclasses.asdict deep-copies recursively, and this runs for every item, in the
        # process that also feeds the workers.
        out = {
            "ordinal": self.ordinal,
            "path": self.path,
            "archive": self.archive,
            "depth": self.depth,
            "mime": self.mime,
            **self.signals.to_json(variants=variants),
            "error": self.error,
            "warnings": self.warnings,
            "skipped": self.skipped,
            "matches": [_match_json(m) for m in self.matches],
            "near": [_match_json(m) for m in self.near],
        }
        if self.video is not None:  # only videos carry the key: other items read as before
            out["video"] = self.video.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScanItem:
        return cls(
            int(data["ordinal"]),
            data["path"],
            archive=data.get("archive"),
            depth=int(data.get("depth") or 0),
            mime=data.get("mime"),
            signals=Signals.from_json(data),
            error=data.get("error"),
            warnings=list(data.get("warnings") or []),
            skipped=bool(data.get("skipped")),
            matches=[Match(**m) for m in data.get("matches") or []],
            near=[Match(**m) for m in data.get("near") or []],
            video=VideoFacts.from_json(data["video"]) if data.get("video") else None,
        )


_MATCH_FIELDS: Final = tuple(f.name for f in fields(Match))


def _match_json(match: Match) -> dict[str, Any]:
    out = {name: getattr(match, name) for name in _MATCH_FIELDS}
    if out["query_ranges"] is None:
        del out["query_ranges"]
    return out


def scan_found(found: Found, options: ScanOptions) -> list[ScanItem]:
    """Every item that one walked entry yields (the file, then its archive members depth-first)."""
    if found.error or found.skip:
        warnings = [found.note] if found.note else []
        return [ScanItem(found.ordinal, found.path, error=found.error, warnings=warnings, skipped=found.skip)]
    read = _read_object(found, options) if s3.is_s3(found.path) else _read_file(found, options)
    if isinstance(read, ScanItem):
        return [read]
    local = None if s3.is_s3(found.path) else found.path
    items = _expanded(found.ordinal, found.path, read, options, local)
    if found.note and items:
        items[0].warnings.insert(0, found.note)
    return items


def _read_file(found: Found, options: ScanOptions) -> StreamRead | ScanItem:
    """The file read and digested, or the item that says why it was not."""
    try:
        st = os.stat(found.path)
        if not stat.S_ISREG(st.st_mode):
            kind = "FIFO" if stat.S_ISFIFO(st.st_mode) else "device or special file"
            return ScanItem(found.ordinal, found.path, error=f"not scanned: {kind}")
        with open(found.path, "rb") as stream:
            return read_and_digest(stream, keep_up_to=_keep_file(stream, options))
    except OSError as exc:
        return ScanItem(found.ordinal, found.path, error=os_error_reason(exc))


def _read_object(found: Found, options: ScanOptions) -> StreamRead | ScanItem:
    """The same for an object of an object store, streamed (no local copy)."""
    try:
        with s3.open_object(found.path) as body:
            return read_and_digest(body, keep_up_to=_keep(options))
    except s3.failures() as exc:
        return ScanItem(found.ordinal, found.path, error=s3.reason(exc))


def scan_bytes(ordinal: int, name: str, data: bytes, options: ScanOptions) -> list[ScanItem]:
    """The same for content already in memory (an upload, an object-store blob)."""
    read = read_and_digest(io.BytesIO(data), keep_up_to=_keep(options))
    return _expanded(ordinal, name, read, options)


def _expanded(
    ordinal: int, path: str, read: StreamRead, options: ScanOptions, local: str | None = None
) -> list[ScanItem]:
    """``local``: the file's path on disk, for a video decoded from there rather than from memory."""
    try:
        return list(_expand(ordinal, path, None, 0, read, options, local))
    except Exception as exc:  # a bug in Vigil: the file is still reported, with the digests already made
        log.exception("internal error scanning %s", path)
        d = read.digests
        return [ScanItem(ordinal, path, signals=Signals(d.size, d.values()), error=internal_error(exc))]


def _keep(options: ScanOptions) -> int:
    return max(options.hashing.limits.max_bytes, options.archives.max_member_bytes)


def _keep_file(stream: BinaryIO, options: ScanOptions) -> int:
    """How much of a file on disk to keep in memory: a video only up to the image cap (a larger one is
    decoded from the file, under the video caps), anything else as much as an archive may need."""
    if options.hashing.video is not None and looks_like_video(stream.read(_HEAD)):
        stream.seek(0)
        return options.hashing.limits.max_bytes
    stream.seek(0)
    return _keep(options)


def _expand(
    ordinal: int,
    path: str,
    archive: str | None,
    depth: int,
    read: StreamRead,
    options: ScanOptions,
    local: str | None = None,
) -> Iterator[ScanItem]:
    mime = sniff(read.head)
    hashed = signals_from_read(path, read, options.hashing, local)
    item = ScanItem(
        ordinal,
        path,
        archive=archive,
        depth=depth,
        mime=mime,
        signals=hashed.signals,
        error=hashed.error,
        preview=hashed.preview,
        video=hashed.video,
    )
    if not is_archive(mime) or mime is None:
        yield item
        return
    if depth >= options.archives.max_depth:
        item.warnings.append(f"archive nested deeper than {options.archives.max_depth}: not opened")
        yield item
        return
    if read.data is None:
        item.warnings.append(f"archive larger than {options.archives.max_member_bytes} bytes: not opened")
        yield item
        return
    children: list[ScanItem] = []
    try:
        for member in members(path, read.data, mime, options.archives):
            child_path = f"{path}{SEP}{member.name}"
            if member.data is None:
                children.append(
                    ScanItem(ordinal, child_path, archive=path, depth=depth + 1, error=member.error)
                )
                continue
            child_read = read_and_digest(io.BytesIO(member.data), keep_up_to=_keep(options))
            for child in _expand(ordinal, child_path, path, depth + 1, child_read, options):
                if child.path == child_path:
                    child.warnings.extend(member.warnings)
                children.append(child)
    except BombError as exc:
        item.error = f"archive refused: {exc}"
    except ArchiveError as exc:
        item.error = str(exc)
    yield item
    yield from children
