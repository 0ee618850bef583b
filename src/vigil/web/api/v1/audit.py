"""The audit journal, for admins: entries page by page, and a check of the whole hash chain."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from vigil.audit import journal
from vigil.audit.models import AuditEntry
from vigil.auth.authenticate import Principal
from vigil.db.bounds import DB_INT_MAX
from vigil.web import records
from vigil.web.context import Ctx
from vigil.web.policy import require
from vigil.web.problems import PROBLEM_RESPONSES
from vigil.web.roles import ADMIN

router = APIRouter(prefix="/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


class EntryOut(records.RecordOut):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    entry_hash: str


class EntriesOut(BaseModel):
    entries: list[EntryOut]
    #: Pass as ``after`` for the next page; None when this page reached the end.
    next_after: int | None


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    problems: list[str]


AdminReading = Annotated[Principal, require(*ADMIN, audit="read")]


@router.get("", name="audit.index")
def entries(
    who: AdminReading,
    ctx: Ctx,
    after: Annotated[int, Query(ge=0, le=DB_INT_MAX, description="Entries after this sequence number.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    actor: Annotated[str | None, Query(max_length=200)] = None,
) -> EntriesOut:
    query = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(limit + 1)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    with ctx.sessions() as session:
        rows = list(session.execute(query).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return EntriesOut(
        entries=[EntryOut.of(r, details=json.loads(r.details)) for r in rows],
        next_after=rows[-1].seq if more and rows else None,
    )


@router.get("/verify", name="audit.verify")
def verify(who: AdminReading, ctx: Ctx) -> VerifyOut:
    """Walk the whole journal: every edited, deleted or cut-off entry shows as a problem."""
    with ctx.sessions() as session:
        result = journal.verify(session)
    return VerifyOut(ok=result.ok, entries=result.entries, problems=result.problems)
