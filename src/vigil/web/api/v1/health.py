"""Liveness and readiness: open to anyone (load balancers and orchestrators carry no token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import text

from vigil.web.context import AppContext, Ctx
from vigil.web.policy import public
from vigil.web.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/health", tags=["health"])


class Live(BaseModel):
    status: str = "ok"


class Ready(BaseModel):
    status: str
    database: bool
    index: bool
    lists: int


@router.get("/live", name="health.live")
async def live(_: Annotated[None, public()]) -> Live:
    """The process answers. Does nothing else: also the baseline of the lookup benchmark."""
    return Live()


def _database_ok(ctx: AppContext) -> bool:
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"; the reason goes to the log, not the client
        return False
    return True


@router.get("/ready", name="health.ready", responses={503: PROBLEM_RESPONSES[503]})
async def ready(_: Annotated[None, public()], ctx: Ctx) -> Ready:
    """Ready to serve lookups: the database answers and the lists' indexes are loaded."""
    database = await run_in_threadpool(_database_ok, ctx)
    index = ctx.matcher.ready
    if not (database and index):
        raise Problem(503, "not ready", database=database, index=index)
    return Ready(status="ready", database=database, index=index, lists=len(ctx.matcher.lists()))
