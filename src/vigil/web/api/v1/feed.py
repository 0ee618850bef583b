"""Federation's change feed (docs/federation.md): what a caller may negotiate, this instance's keys, and
a list's changes as signed batches. The work is ``vigil.federation.serving.FeedService``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from vigil.auth.authenticate import Principal
from vigil.auth.roles import Role
from vigil.federation.feed import Cursor, CursorError
from vigil.federation.serving import Caller, FeedService
from vigil.hashlists.lists import ListError
from vigil.web.context import Ctx
from vigil.web.policy import public, require
from vigil.web.problems import PROBLEM_RESPONSES, bad_request
from vigil.web.roles import STAFF

router = APIRouter(prefix="/feed", tags=["federation"], responses=PROBLEM_RESPONSES)

#: Staff (to see what peers get) and peers.
FEED = (*STAFF, Role.peer)
MAX_BATCH = 10_000


def _caller(who: Principal) -> Caller:
    return Caller(who.role, who.name, who.actor)


FeedReader = Annotated[Principal, require(*FEED)]


@router.get("", name="feed.offer")
def offer(who: FeedReader, ctx: Ctx) -> dict[str, Any]:
    """This instance's id, the feed protocols it speaks, and the signal types, schemes and lists it
    shares with the caller: what a pull negotiates before its first batch."""
    return FeedService(ctx.sessions, ctx.settings).offer(_caller(who))


@router.get("/keys", name="feed.keys")
def keys(_: Annotated[None, public()], ctx: Ctx) -> dict[str, Any]:
    """This instance's signing keys: current, retired (still verifying) and revoked, each after the
    first endorsed by its predecessor."""
    return FeedService(ctx.sessions, ctx.settings).keys()


@router.get("/lists/{name}", name="feed.list")
async def batch(
    who: FeedReader,
    ctx: Ctx,
    name: Annotated[str, Path(max_length=200)],
    cursor: Annotated[
        str, Query(max_length=40, description="SINCE or SINCE.UNTIL.AFTER; 0: from nothing.")
    ] = "0",
    limit: Annotated[int, Query(ge=1, le=MAX_BATCH)] = 1000,
    audience: Annotated[str | None, Query(max_length=200, description="The caller's instance id.")] = None,
    nonce: Annotated[str | None, Query(max_length=64, description="Echoed in the signed body.")] = None,
    signal_types: Annotated[
        str | None, Query(max_length=1000, description="Comma-separated signal types wanted; default all.")
    ] = None,
) -> dict[str, Any]:
    """One signed batch of the list's changes after ``cursor``: records with provenance, tombstones
    (``record: null``), and ``next_cursor``."""
    try:
        parsed = Cursor.parse(cursor)
    except CursorError as exc:
        raise bad_request(exc) from None
    types = [t.strip() for t in signal_types.split(",") if t.strip()] if signal_types else None
    service = FeedService(ctx.sessions, ctx.settings)
    try:
        return await run_in_threadpool(
            service.batch,
            _caller(who),
            name,
            parsed,
            limit,
            audience=audience,
            nonce=nonce,
            signal_types=types,
        )
    except ListError as exc:  # a cursor past the latest version: a malformed query, as for /lists/…/delta
        raise bad_request(exc) from None
