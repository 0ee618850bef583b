"""Hash lists: what a caller may receive, versions, paged deltas, exports in every registered format,
and publishing (curators). ISPs and peers see only the lists whose recipients name them."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from vigil.auth.authenticate import Principal
from vigil.auth.roles import STAFF, may_receive
from vigil.db.bounds import DB_INT_MAX
from vigil.formats.base import HashRecord
from vigil.hashlists.lists import ListError, get_list
from vigil.hashlists.records.delta_pages import delta_page
from vigil.hashlists.service import ListDetails
from vigil.web import records
from vigil.web.context import AppContext, Ctx
from vigil.web.list_exports import export_response
from vigil.web.policy import require
from vigil.web.problems import PROBLEM_RESPONSES, Problem, bad_request
from vigil.web.roles import CURATORS, LISTS

router = APIRouter(prefix="/lists", tags=["lists"], responses=PROBLEM_RESPONSES)

MAX_PAGE: Final = 10_000

ListName = Annotated[str, Path(max_length=200)]


class ListSummary(records.RecordOut):
    name: str
    description: str
    latest_version: int | None
    latest_entries: int | None
    #: Staff only: who may receive the list, its explicit members and its rules.
    recipients: list[str] | None = None
    members: int | None = None
    rules: dict[str, object] | None = None


class VersionOut(records.RecordOut):
    version: int
    published_at: datetime
    entries: int
    added: int
    removed: int
    digest: str


class RecordOut(records.RecordOut):
    sha256: str | None
    md5: str | None
    sha1: str | None
    size: int | None
    mime_type: str | None
    category: str | None
    scheme: str | None
    signals: dict[str, list[str]]

    @classmethod
    def of_hash_record(cls, record: HashRecord) -> RecordOut:
        signals: dict[str, list[str]] = {}
        for kind, value in record.signals:
            signals.setdefault(kind, []).append(value)
        return cls.of(record, signals=signals)


class DeltaItem(BaseModel):
    key: int
    #: None: delete the key.
    record: RecordOut | None


class DeltaOut(BaseModel):
    items: list[DeltaItem]
    list: str
    since: int
    until: int
    #: Ask again with ``cursor`` set to this (and the same ``since`` and ``until``); None: done.
    next_cursor: int | None


class PublishOut(records.RecordOut):
    list: str
    version: int
    new_version: bool
    entries: int
    added: int
    removed: int
    changed: int
    digest: str


#: What PublishOut shows of a PublishResult under the same name (``list`` is its ``list_name``).


def _details(ctx: AppContext, who: Principal, name: str) -> ListDetails:
    """The list if the caller may receive it; otherwise the same 404 as for a list that does not exist."""
    details = ctx.hashdb(who).show(name)
    if not may_receive(who.role, who.name, details.info.recipients):
        raise Problem(404, f"unknown hash list {name!r}")
    return details


Recipient = Annotated[Principal, require(*LISTS)]


@router.get("", name="lists.index")
def index(who: Recipient, ctx: Ctx) -> list[ListSummary]:
    """The lists the caller may receive, with their latest versions."""
    staff = who.role in STAFF
    return [
        ListSummary.of(
            info,
            recipients=info.recipients if staff else None,
            members=info.members if staff else None,
            rules=info.rules.to_json() if staff else None,
        )
        for info in ctx.hashdb(who).lists()
        if may_receive(who.role, who.name, info.recipients)
    ]


@router.get("/{name}/versions", name="lists.versions")
def list_versions(who: Recipient, ctx: Ctx, name: ListName) -> list[VersionOut]:
    """Every published version: immutable, each with the digest of its content."""
    return [
        VersionOut.of(v, entries=v.entry_count, added=v.added_count, removed=v.removed_count)
        for v in _details(ctx, who, name).versions
    ]


@router.get("/{name}/delta", name="lists.delta")
def list_delta(
    who: Recipient,
    ctx: Ctx,
    name: ListName,
    since: Annotated[
        int, Query(ge=0, le=DB_INT_MAX, description="The version the caller holds (0: none).")
    ] = 0,
    until: Annotated[
        int | None, Query(ge=1, le=DB_INT_MAX, description="Up to this version (default: the latest).")
    ] = None,
    cursor: Annotated[int, Query(ge=0, le=DB_INT_MAX, description="next_cursor of the previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
) -> DeltaOut:
    """Changes from ``since`` to ``until``, a page at a time: a record to add or replace, null to delete."""
    details = _details(ctx, who, name)
    with ctx.sessions() as session:
        try:
            page = delta_page(session, get_list(session, details.info.name), since, until, cursor, limit)
        except ListError as exc:
            raise bad_request(exc) from None
    return DeltaOut(
        list=details.info.name,
        since=page.since,
        until=page.until,
        items=[DeltaItem(key=k, record=RecordOut.of_hash_record(r) if r else None) for k, r in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/{name}/export", name="lists.export", response_class=StreamingResponse)
async def list_export(
    who: Recipient,
    ctx: Ctx,
    name: ListName,
    fmt: Annotated[
        str,
        Query(alias="format", max_length=50, description="A registered format: vics, csv, md5sum, pytx …"),
    ],
    version: Annotated[int | None, Query(ge=1, le=DB_INT_MAX, description="Default: the latest.")] = None,
) -> StreamingResponse:
    """A published version as a file in any registered format (the export is journalled)."""
    chosen = ctx.formats.get(fmt)
    if chosen is None:
        raise Problem(400, f"unknown format {fmt!r}; known: {', '.join(sorted(ctx.formats))}")
    details = await run_in_threadpool(_details, ctx, who, name)
    try:
        return await export_response(ctx.hashdb(who), details.info.name, chosen, version)
    except ListError as exc:
        raise bad_request(exc) from None


@router.post("/{name}/publish", name="lists.publish")
def list_publish(
    who: Annotated[Principal, require(*CURATORS, audit="change")],
    ctx: Ctx,
    name: ListName,
) -> PublishOut:
    """Freeze the list's current content as its next version; the matcher picks it up at once."""
    try:
        result = ctx.hashdb(who).publish(name)
    except ListError as exc:
        raise bad_request(exc) from None
    if result.new_version:
        threading.Thread(
            target=ctx.matcher.refresh_quietly, name="vigil-matcher-refresh", daemon=True
        ).start()
    return PublishOut.of(result, list=result.list_name)
