"""Private set intersection with peers (docs/federation-psi-pytx.md): the responding side, role peer.

Points and tags travel as raw bytes (``application/octet-stream``): 32 bytes a point, 16 a tag. The
session's work is in ``federation/psi_responder.py``; these routes read bodies and format answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from vigil.auth.authenticate import Principal
from vigil.auth.roles import Role
from vigil.db.bounds import DB_INT_MAX
from vigil.federation.psi_responder import MAX_BATCH, PsiResponder
from vigil.web.context import AppContext, Ctx
from vigil.web.policy import require
from vigil.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/federation/psi", tags=["federation"], responses=PROBLEM_RESPONSES)

SessionId = Annotated[str, Path(max_length=64, pattern=r"^[0-9a-f]+$")]
SetName = Annotated[str, Path(max_length=64)]
OCTETS = "application/octet-stream"


class StartIn(BaseModel):
    #: The initiator's sets and how many values each holds (it will send that many points).
    sets: dict[str, Annotated[int, Field(ge=0, le=DB_INT_MAX)]] = Field(max_length=32)


class StartOut(BaseModel):
    session: str
    #: This side's set sizes, in the order the sets are compared.
    sets: dict[str, int]
    #: Points or tags a request may carry.
    batch: int


class CountOut(BaseModel):
    ours: int
    theirs: int
    common: int | None


class FinishOut(BaseModel):
    #: Counted on the responder's side: ``ours`` is the responder's set size.
    sets: dict[str, CountOut]


def _responder(ctx: AppContext, who: Principal) -> PsiResponder:
    s = ctx.settings
    return PsiResponder(
        ctx.sessions,
        s.data_dir / "psi",
        who.actor,
        max_items=s.psi_max_items,
        ttl_seconds=s.psi_session_seconds,
        max_sessions=s.psi_max_sessions,
        batch=min(MAX_BATCH, s.api_max_body_bytes // 32),
    )


Peer = Annotated[Principal, require(Role.peer)]


@router.post("/sessions", name="federation.psi.start")
def start(who: Peer, ctx: Ctx, body: StartIn) -> StartOut:
    """Open a session: this side freezes and shuffles its sets (journalled with both sides' sizes)."""
    started = _responder(ctx, who).start(who.name, body.sets)
    return StartOut(session=started.session, sets=started.sizes, batch=started.batch)


@router.post(
    "/sessions/{session}/sets/{name}/blind",
    name="federation.psi.blind",
    response_class=Response,
    responses={200: {"content": {OCTETS: {}}}},
)
async def blind(who: Peer, ctx: Ctx, request: Request, session: SessionId, name: SetName) -> Response:
    """Round 1: the caller's blinded points (32 bytes each) → tags under both scalars, in order."""
    points = await request.body()
    tags = await run_in_threadpool(_responder(ctx, who).reblind, who.name, session, name, points)
    return Response(tags, media_type=OCTETS)


@router.get(
    "/sessions/{session}/sets/{name}/points",
    name="federation.psi.points",
    response_class=Response,
    responses={200: {"content": {OCTETS: {}}}},
)
def points(
    who: Peer,
    ctx: Ctx,
    session: SessionId,
    name: SetName,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_BATCH)] = 1024,
) -> Response:
    """Round 1: this side's values of a set blinded by its scalar, a page at a time."""
    data = _responder(ctx, who).points(who.name, session, name, offset, limit)
    return Response(data, media_type=OCTETS)


@router.post("/sessions/{session}/sets/{name}/back", name="federation.psi.back", status_code=204)
async def back(who: Peer, ctx: Ctx, request: Request, session: SessionId, name: SetName) -> Response:
    """Round 2: tags of this side's values under both scalars, shuffled (16 bytes each)."""
    tags = await request.body()
    await run_in_threadpool(_responder(ctx, who).back, who.name, session, name, tags)
    return Response(status_code=204)


@router.post("/sessions/{session}/finish", name="federation.psi.finish")
def finish(who: Peer, ctx: Ctx, session: SessionId) -> FinishOut:
    """Count the common values of each set, journal the counts, and end the session."""
    counts = _responder(ctx, who).finish(who.name, session)
    return FinishOut(
        sets={n: CountOut(ours=c.ours, theirs=c.theirs, common=c.common) for n, c in counts.items()}
    )
