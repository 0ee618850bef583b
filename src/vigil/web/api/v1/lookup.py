"""Lookups: is this signal (or this content) in the lists? For industry members and staff.

Answers give the list, its version, the entry id, the integer distance and the entry's category; never
the media, its other hashes or anything about victims.
"""

from __future__ import annotations

import dataclasses
import json
from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator, BaseModel, Field

from vigil.auth.authenticate import Principal
from vigil.matching.signals import lookup_signals
from vigil.signals.pdq import PDQ
from vigil.web.context import AppContext, Ctx, context
from vigil.web.matching import (
    MAX_THRESHOLD,
    MAX_VIDEO_SIGNAL_CHARS,
    Match,
    audience,
    canonical,
    cut,
    parse_lists,
)
from vigil.web.policy import require
from vigil.web.problems import PROBLEM_RESPONSES
from vigil.web.roles import LOOKUP
from vigil.web.uploads import Signals, hash_upload

router = APIRouter(prefix="/lookup", tags=["lookup"], responses=PROBLEM_RESPONSES)


def _known_signal_type(name: str) -> str:
    # Checked against the registry (plugins' indexed types included); an unknown one is a 422 like
    # any other invalid field.
    known = lookup_signals()
    if name not in known:
        raise ValueError(f"unknown signal type {name!r}; known: {', '.join(known)}")
    return name


SignalType = Annotated[str, AfterValidator(_known_signal_type)]
MAX_BATCH = 1000

ThresholdQuery = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_THRESHOLD,
        description=f"Largest PDQ Hamming distance (default {PDQ.default_threshold}); digests: equality.",
    ),
]
ListsQuery = Annotated[str | None, Query(max_length=2000, description="Only these lists (comma-separated).")]


class LookupResult(BaseModel):
    signal_type: SignalType
    signal: str
    matches: list[Match]
    #: True when more than the matches shown were found.
    truncated: bool = False


class SignalIn(BaseModel):
    signal_type: SignalType
    #: 200 characters or the type's width, or a video's bound for a video signal type (checked with the type).
    signal: str = Field(max_length=MAX_VIDEO_SIGNAL_CHARS)


class BatchIn(BaseModel):
    signals: list[SignalIn] = Field(max_length=MAX_BATCH)
    threshold: int | None = Field(default=None, ge=0, le=MAX_THRESHOLD)
    lists: list[str] | None = Field(default=None, max_length=100)


class BatchOut(BaseModel):
    results: list[LookupResult]


class ContentOut(BaseModel):
    signals: Signals
    matches: list[Match]
    truncated: bool = False


LookupCaller = Annotated[Principal, require(*LOOKUP)]


@router.get("", name="lookup.signal", response_model=LookupResult)
async def lookup(
    who: LookupCaller,
    request: Request,
    signal_type: Annotated[SignalType, Query()],
    signal: Annotated[
        str,
        Query(
            max_length=MAX_VIDEO_SIGNAL_CHARS,
            description="The hash, hex (200 characters at most, or the type's width: pdq_regions 256); "
            "vpdq: Meta's text form, frames separated by ';' (256 KiB at most; a long video's goes by "
            "POST /lookup/batch).",
        ),
    ],
    threshold: ThresholdQuery = None,
    lists: ListsQuery = None,
) -> Response:
    """One signal against the latest published version of every list the caller may receive."""
    # The hottest route: the answer is written directly (it is built from the matcher's own values, so
    # the response model's validation pass would check nothing new).
    ctx = context(request)
    value = canonical(signal_type, signal)
    lookup = partial(ctx.matcher.lookup, signal_type, [value], threshold, parse_lists(lists), audience(who))
    found = lookup()[0]
    ctx.count_lookups(who)  # answered lookups only (not those refused while the lists load)
    matches, truncated = cut(found)
    body = {
        "signal_type": signal_type,
        "signal": value,
        "matches": [m.model_dump() for m in matches],
        "truncated": truncated,
    }
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


def _batch(ctx: AppContext, who: Principal, body: BatchIn) -> list[LookupResult]:
    values = [
        (s.signal_type, canonical(s.signal_type, s.signal, ("body", "signals", str(i), "signal")))
        for i, s in enumerate(body.signals)
    ]
    results: list[LookupResult | None] = [None] * len(values)
    for kind in dict.fromkeys(k for k, _ in values):
        positions = [i for i, (k, _) in enumerate(values) if k == kind]
        queries = [values[i][1] for i in positions]
        answers = ctx.matcher.lookup(kind, queries, body.threshold, body.lists, audience(who))
        for i, found in zip(positions, answers, strict=True):
            matches, truncated = cut(found)
            results[i] = LookupResult(
                signal_type=kind, signal=values[i][1], matches=matches, truncated=truncated
            )
    ctx.count_lookups(who, len(values))
    return [r for r in results if r is not None]


@router.post("/batch", name="lookup.batch")
async def lookup_batch(who: LookupCaller, ctx: Ctx, body: BatchIn) -> BatchOut:
    """Up to 1,000 signals in one request; results in the order of the request."""
    return BatchOut(results=await run_in_threadpool(_batch, ctx, who, body))


@router.post("/content", name="lookup.content")
async def lookup_content(
    who: LookupCaller,
    ctx: Ctx,
    file: Annotated[UploadFile, File(description="The content to look up; it is hashed, not kept.")],
    threshold: ThresholdQuery = None,
    lists: ListsQuery = None,
) -> ContentOut:
    """Hash the upload and look up its digests and its PDQ (all 8 rotations and flips)."""
    options = dataclasses.replace(ctx.hash_options, dihedral=True)
    hashed = await hash_upload(file, ctx.settings.api_max_upload_bytes, options)
    match = partial(
        ctx.matcher.match_content,
        hashed.signals,
        threshold=threshold,
        lists=parse_lists(lists),
        audience=audience(who),
    )
    matches, truncated = cut(match())
    ctx.count_lookups(who)
    return ContentOut(signals=Signals.of(hashed, dihedral=False), matches=matches, truncated=truncated)
