"""The audit journal (admins only): filtered by actor, action, object and dates, newest first, paged by
sequence number (:mod:`vigil.audit.browse`); and a check of the whole hash chain with its result."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

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
Text = Annotated[str, Query(max_length=500)]
FormText = Annotated[str, Form(max_length=500)]


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def _journal_page(
    request: Request,
    actor: str = "",
    action: str = "",
    subject: str = "",
    since: str = "",
    until: str = "",
    before: int | None = None,
    verification: Verification | None = None,
) -> Response:
    start, end = _day(since), _day(until)
    bad = [v for v, d in ((since, start), (until, end)) if v and d is None]
    where = browse.JournalFilter(
        actor=actor.strip(),
        action=action.strip(),
        subject=subject.strip(),
        since=datetime.combine(start, time(), UTC) if start else None,
        # The "to" day is included: entries before the next midnight.
        until=datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
    )

    def read() -> browse.JournalPage:
        with context(request).sessions() as session:
            return browse.page(session, where, before)

    found = await run_in_threadpool(read)
    kept = {"actor": actor, "action": action, "subject": subject, "since": since, "until": until}
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
    actor: Text = "",
    action: Text = "",
    subject: Text = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    before: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
) -> Response:
    return await _journal_page(request, actor, action, subject, since, until, before)


@router.post("/console/admin/journal/verify", name="console.journal_verify")
async def verify(
    request: Request,
    user: Admin,
    actor: FormText = "",
    action: FormText = "",
    subject: FormText = "",
    since: Annotated[str, Form(max_length=10)] = "",
    until: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Walk the whole chain (journalled as ``audit.verify``) and show the result above the newest page
    of the filter the admin was looking at."""
    result = await run_in_threadpool(browse.check, context(request).sessions, user.actor)
    return await _journal_page(request, actor, action, subject, since, until, verification=result)
