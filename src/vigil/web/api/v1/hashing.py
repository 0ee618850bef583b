"""``POST /hash``: uploaded content → its signals (nothing is stored)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from vigil.auth.authenticate import Principal
from vigil.web.context import Ctx
from vigil.web.policy import require
from vigil.web.problems import PROBLEM_RESPONSES
from vigil.web.roles import LOOKUP
from vigil.web.uploads import Signals, hash_upload

router = APIRouter(tags=["hashing"], responses=PROBLEM_RESPONSES)


@router.post("/hash", name="hash.upload")
async def hash_content(
    who: Annotated[Principal, require(*LOOKUP)],
    ctx: Ctx,
    file: Annotated[
        UploadFile, File(description="The content to hash (any file; images also get PDQ, videos vPDQ).")
    ],
    dihedral: Annotated[bool, Query(description="Also the PDQ hashes of the 8 rotations and flips.")] = False,
    seconds_per_hash: Annotated[
        float | None,
        Query(ge=0, le=3600, description="Seconds between a video's hashed frames (0: every frame)."),
    ] = None,
) -> Signals:
    """MD5, SHA-1 and SHA-256 of any file; PDQ and its quality for images; vPDQ (Meta's text form: one
    ``frame,quality,hex,timestamp`` line per hashed frame) and its mean frame quality for videos."""
    options = dataclasses.replace(ctx.hash_options, dihedral=dihedral)
    if seconds_per_hash is not None and options.video is not None:
        options = dataclasses.replace(
            options, video=dataclasses.replace(options.video, seconds_per_hash=seconds_per_hash)
        )
    hashed = await hash_upload(file, ctx.settings.api_max_upload_bytes, options)
    return Signals.of(hashed, dihedral=dihedral)
