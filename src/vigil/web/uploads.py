"""Uploaded content → signals, off the event loop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from fastapi import UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, create_model

from vigil.signals.content import HashOptions, HashResult, hash_bytes
from vigil.signals.values import QUALITY, VARIANTS, layout
from vigil.web.problems import Problem

#: Uploads are read in pieces of this size so that the cap is checked before memory is spent.
_PIECE = 1 << 20


class SignalsBase(BaseModel):
    """What every answer carrying an upload's signals has; the fields come from the registry."""

    @classmethod
    def of(cls, hashed: HashResult, *, dihedral: bool) -> Self:
        return cls(**hashed.signals.to_json(variants=dihedral), error=hashed.error)


def signals_model() -> type[SignalsBase]:
    """The answer's model, in the order of ``vigil hash``'s JSON: ``size``, each signal type computed
    from content (perceptual ones with their quality; plugins' digests, null when not computed), the
    rotations and flips (when asked for), and ``error``: why an image signal is missing (not an image,
    undecodable, too large ...), digests still given."""
    shape = layout()
    fields: dict[str, Any] = {"size": (int | None, ...)}
    for name in shape.fixed:
        fields[name] = (str | None, ...)
        if name in shape.graded:
            fields[name + QUALITY] = (int | None, ...)
    for name in shape.optional:
        fields[name] = (str | None, None)
    for name in shape.varied:
        fields[name + VARIANTS] = (list[str] | None, None)
    fields["error"] = (str | None, None)
    return create_model("Signals", __base__=SignalsBase, **fields)


if TYPE_CHECKING:
    Signals = SignalsBase
else:
    Signals = signals_model()


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


async def hash_upload(file: UploadFile, limit: int, options: HashOptions) -> HashResult:
    data = await read_upload(file, limit)
    # The name only tells the hasher whether the sender claims an image; it never reaches the disk.
    return await run_in_threadpool(hash_bytes, file.filename or "upload", data, options)
