"""The policy dashboards (``/console/dashboards``): charts drawn on the server beside their numbers.

The figures come from :func:`vigil.dashboards.dashboard`, kept for ``VIGIL_CONSOLE_DASHBOARD_CACHE_SECONDS``
so that many staff opening the page cost one computation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF
from vigil.dashboards import Charts, Dashboard, DashboardCache, dashboard
from vigil.web.console import nav
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import context

router = APIRouter(include_in_schema=False)
nav.register("Dashboards", "/console/dashboards", tuple(STAFF), rank=60)

Staff = Annotated[ConsoleUser, console_user(*STAFF)]


def _cache(request: Request) -> DashboardCache:
    found = getattr(request.app.state, "dashboard_cache", None)
    if isinstance(found, DashboardCache):
        return found
    found = DashboardCache(context(request).settings.console_dashboard_cache_seconds)
    request.app.state.dashboard_cache = found
    return found


def _build(request: Request) -> Dashboard:
    with context(request).sessions() as session:
        return dashboard(session, datetime.now(UTC))


@router.get("/console/dashboards", name="console.dashboards")
async def dashboards(request: Request, user: Staff) -> Response:
    found = await run_in_threadpool(_cache(request).get, lambda: _build(request))
    return page(request, "dashboards.html", d=found, charts=Charts(found))
