"""The hash database in the console: search by a signal of any registered type or by an uploaded file,
an item's page (signals, votes per jurisdiction, accepted categories, lists, series, victims, what each
contributor brought), the vote form, and the items whose voters disagree, side by side.

Views translate forms to :mod:`vigil.hashlists.records` (reads) and
:class:`vigil.hashlists.service.HashDatabase` (the vote); content is hashed, matched and forgotten.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Final

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF
from vigil.hashlists.records import details, search
from vigil.hashlists.service import HashDatabase
from vigil.matching.matcher import ListMatch, MatcherNotReadyError
from vigil.matching.signals import lookup_signals
from vigil.signals.content import hash_bytes
from vigil.signals.registry import signal_types, video_types
from vigil.video.matching import spans
from vigil.web.console import nav
from vigil.web.console.forms import FormPage, found_or_404
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import context
from vigil.web.problems import Problem
from vigil.web.uploads import read_upload

router = APIRouter(include_in_schema=False)
nav.register("Hash database", "/console/media", tuple(STAFF), rank=60)

Staff = Annotated[ConsoleUser, console_user(*STAFF)]
MediaId = Annotated[int, Path(ge=1, le=2**62)]
#: Items listed for one search (an upload's PDQ may be near many).
MAX_HITS: Final = 100


def _types() -> list[str]:
    return list(signal_types())


def _search_page(
    request: Request,
    *,
    kind: str = "",
    query: str = "",
    hits: list[search.Hit] | None = None,
    signals: list[tuple[str, str]] | None = None,
    note: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "media_search.html",
        status,
        types=_types(),
        kind=kind,
        query=query,
        hits=None if hits is None else hits[:MAX_HITS],
        ranges=_ranges,
        more=hits is not None and len(hits) > MAX_HITS,
        signals=signals,
        note=note,
        error=error,
    )


def _ranges(hit: search.Hit) -> str:
    """Where a video hit matched: on the file's timeline, then on the item's, each with the percentage
    of its frames that matched (no words: the column's heading says which is which)."""
    video = hit.video
    if video is None:
        return ""
    return (
        f"{spans(video.query_ranges)} ({video.query_percent:.0f} %) ↔ "
        f"{spans(video.compared_ranges)} ({video.compared_percent:.0f} %)"
    )


def _near(call: Callable[[], list[ListMatch]]) -> tuple[list[ListMatch], str | None]:
    """The matcher's answer, or none and why (its indexes may still be loading)."""
    try:
        return call(), None
    except MatcherNotReadyError:
        return [], "The list indexes are still loading: near matches are not shown yet."


@router.get("/console/media", name="console.media_search")
async def media_search(
    request: Request,
    user: Staff,
    signal_type: Annotated[str, Query(alias="type", max_length=50)] = "",
    q: Annotated[str, Query(max_length=4000)] = "",
) -> Response:
    if not q.strip():
        return _search_page(request, kind=signal_type)
    try:
        value = search.canonical(signal_type, q)
    except ValueError as exc:
        return _search_page(request, kind=signal_type, query=q, error=str(exc), status=422)
    ctx = context(request)

    def run() -> tuple[list[search.Hit], str | None]:
        with ctx.sessions() as session:
            found = search.exact(session, [(signal_type, value)])
            note = None
            if signal_type in lookup_signals():
                matches, note = _near(lambda: ctx.matcher.lookup(signal_type, [value])[0])
                found = search.merge(found, search.near(session, matches))
            return found, note

    hits, note = await run_in_threadpool(run)
    return _search_page(request, kind=signal_type, query=value, hits=hits, note=note)


@router.post("/console/media/lookup", name="console.media_upload")
async def media_upload(request: Request, user: Staff, file: Annotated[UploadFile, File()]) -> Response:
    """Hash the upload (all 8 rotations and flips of its PDQ) and list the items it matches."""
    ctx = context(request)
    try:
        data = await read_upload(file, ctx.settings.api_max_upload_bytes)
    except Problem as exc:
        return _search_page(request, error=exc.detail, status=exc.status)
    # A video is hashed under the video limits (ctx.hash_options.video) and found by its vPDQ.
    options = dataclasses.replace(ctx.hash_options, dihedral=True)
    hashed = await run_in_threadpool(hash_bytes, file.filename or "upload", data, options)
    signals = hashed.signals
    del data

    def run() -> tuple[list[search.Hit], str | None]:
        with ctx.sessions() as session:
            found = search.exact(session, search.content_values(signals))
            matches, note = _near(lambda: ctx.matcher.match_content(signals, dihedral=True))
            return search.merge(found, search.near(session, matches)), note

    hits, note = await run_in_threadpool(run)
    shown = [(kind, _shown(kind, value)) for kind, value in search.content_values(signals)]
    if hashed.error:
        note = f"{note + ' ' if note else ''}No image or video signal: {hashed.error}"
    return _search_page(request, hits=hits, signals=shown, note=note)


def _shown(kind: str, value: str) -> str:
    """A value as the page shows it: a video's vPDQ (a line per hashed frame, up to thousands) by its
    first frame and how many there are."""
    if kind not in video_types():
        return value
    lines = value.splitlines()
    return f"{lines[0]} … ({len(lines)} frames)" if len(lines) > 1 else value


async def _media_page(
    request: Request, user: ConsoleUser, media_id: int, error: str | None = None, status: int = 200
) -> Response:
    ctx = context(request)

    def read() -> tuple[details.MediaDetails, details.VoteChoices]:
        with ctx.sessions() as session:
            return details.media_details(session, media_id), details.vote_choices(session)

    found = await found_or_404(request, read)
    if isinstance(found, Response):
        return found
    return page(request, "media.html", status, m=found[0], choices=found[1], error=error)


@router.get("/console/media/conflicts", name="console.conflicts")
async def media_conflicts(request: Request, user: Staff) -> Response:
    ctx = context(request)

    def read() -> list[details.Conflict]:
        with ctx.sessions() as session:
            return details.conflicts(session)

    return page(request, "conflicts.html", conflicts=await run_in_threadpool(read))


@router.get("/console/media/{media_id}", name="console.media")
async def media(request: Request, user: Staff, media_id: MediaId) -> Response:
    return await _media_page(request, user, media_id)


class VoteForm(BaseModel):
    #: ``scheme:code``.
    category: str = Field("", max_length=100)
    jurisdiction: str = Field("", max_length=32)
    contributor: str = Field("", max_length=200)


@router.post("/console/media/{media_id}/vote", name="console.vote")
async def vote(request: Request, user: Staff, media_id: MediaId, f: Annotated[VoteForm, Form()]) -> Response:
    """The signed-in user's vote (the analyst is always they), on behalf of the chosen contributor."""
    scheme, _, code = f.category.partition(":")
    if not scheme or not code or not f.contributor:
        return await _media_page(request, user, media_id, "Choose a category and a contributor.", 422)
    db = HashDatabase(context(request).sessions, f"console:{user.name}")

    async def again(message: str, status: int) -> Response:  # an unknown contributor, category, jurisdiction
        return await _media_page(request, user, media_id, message, status)

    return await FormPage(again).submit(
        request,
        lambda: db.vote_on(media_id, scheme, code, f.contributor, user.name, f.jurisdiction or None),
        f"/console/media/{media_id}#votes",
    )
