"""The audit journal (admins only): filtered by actor, action, object and dates, newest first, paged by
sequence number (:mod:`vigil.audit.browse`); and a check of the whole hash chain with its result."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from vigil.audit import browse
from vigil.audit.journal import Verification
from vigil.auth.console import ConsoleUser
from vigil.auth.roles import Role
from vigil.db.bounds import DB_INT_MAX
from vigil.web.console import nav
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import context

router = APIRouter(include_in_schema=False)
nav.register("Journal", "/console/admin/journal", (Role.admin,), rank=80)

Admin = Annotated[ConsoleUser, console_user(Role.admin)]


class JournalQuery(BaseModel):
    """The filter of the journal page: its query string, and the verify form that comes back to it."""

    actor: str = Field("", max_length=500)
    action: str = Field("", max_length=500)
    subject: str = Field("", max_length=500)
    since: str = Field("", max_length=10)
    until: str = Field("", max_length=10)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def _journal_page(
    request: Request,
    q: JournalQuery,
    before: int | None = None,
    verification: Verification | None = None,
) -> Response:
    start, end = _day(q.since), _day(q.until)
    bad = [v for v, d in ((q.since, start), (q.until, end)) if v and d is None]
    where = browse.JournalFilter(
        actor=q.actor.strip(),
        action=q.action.strip(),
        subject=q.subject.strip(),
        since=datetime.combine(start, time(), UTC) if start else None,
        # The "to" day is included: entries before the next midnight.
        until=datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
    )

    def read() -> browse.JournalPage:
        with context(request).sessions() as session:
            return browse.page(session, where, before)

    found = await run_in_threadpool(read)
    kept = q.model_dump()
    query = {k: v for k, v in kept.items() if v}
    older = (
        "/console/admin/journal?" + urlencode({**query, "before": found.next_before})
        if found.next_before is not None
        else None
    )
    newest = "/console/admin/journal" + ("?" + urlencode(query) if query else "")
    return page(
        request,
        "journal.html",
        422 if bad else 200,
        entries=found.entries,
        f=kept,
        older=older,
        newest=newest if before is not None else None,
        verification=verification,
        error="Give dates as YYYY-MM-DD." if bad else None,
    )


@router.get("/console/admin/journal", name="console.journal")
async def journal_page(
    request: Request,
    user: Admin,
    q: Annotated[JournalQuery, Query()],
    before: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
) -> Response:
    return await _journal_page(request, q, before)


@router.post("/console/admin/journal/verify", name="console.journal_verify")
async def verify(request: Request, user: Admin, q: Annotated[JournalQuery, Form()]) -> Response:
    """Walk the whole chain (journalled as ``audit.verify``) and show the result above the newest page
    of the filter the admin was looking at."""
    result = await run_in_threadpool(browse.check, context(request).sessions, user.actor)
    return await _journal_page(request, q, verification=result)
