"""Uploaded content → signals, off the event loop."""

from __future__ import annotations

from fastapi import UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from vigil.signals.content import FileSignals, HashOptions, hash_bytes
from vigil.web.problems import Problem

#: Uploads are read in pieces of this size so that the cap is checked before memory is spent.
_PIECE = 1 << 20


class Signals(BaseModel):
    size: int | None
    md5: str | None
    sha1: str | None
    sha256: str | None
    pdq: str | None
    pdq_quality: int | None
    #: The 8 PDQ hashes of the image's rotations and flips (when asked for).
    pdq_dihedral: list[str] | None = None
    #: Why an image signal is missing (not an image, undecodable, too large ...); digests are still given.
    error: str | None = None
    #: Digests of signal types that plugins register, by name (e.g. ``sha512``).
    extra: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of(cls, signals: FileSignals, *, dihedral: bool) -> Signals:
        return cls(
            size=signals.size,
            md5=signals.md5,
            sha1=signals.sha1,
            sha256=signals.sha256,
            pdq=signals.pdq,
            pdq_quality=signals.pdq_quality,
            pdq_dihedral=signals.pdq_dihedral if dihedral else None,
            error=signals.error,
            extra=dict(signals.extra),
        )


async def read_upload(file: UploadFile, limit: int) -> bytes:
    pieces: list[bytes] = []
    total = 0
    while piece := await file.read(_PIECE):
        total += len(piece)
        if total > limit:
            raise Problem(413, f"the upload is larger than {limit} bytes")
        pieces.append(piece)
    if not total:
        raise Problem(400, "the upload is empty")
    return b"".join(pieces)


async def hash_upload(file: UploadFile, limit: int, options: HashOptions) -> FileSignals:
    data = await read_upload(file, limit)
    # The name only tells the hasher whether the sender claims an image; it never reaches the disk.
    return await run_in_threadpool(hash_bytes, file.filename or "upload", data, options)
