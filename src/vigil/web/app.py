"""``create_app(settings)``: the FastAPI app, with everything it holds built here and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from fastapi import FastAPI

from vigil import __version__
from vigil.auth.authenticate import Authenticator
from vigil.config import Settings
from vigil.db.session import make_engine, make_session_factory
from vigil.matching import Matcher
from vigil.matching.usage import LookupCounter
from vigil.plugins import build_registry
from vigil.signals.content import HashOptions, VideoOptions
from vigil.video.limits import VideoLimits
from vigil.web import console, problems, stop_page
from vigil.web.api import docs, hma
from vigil.web.api.v1 import (
    admin,
    audit,
    blocklists,
    federation_psi,
    feed,
    hashing,
    health,
    lists,
    lookup,
    records,
    reports,
)
from vigil.web.context import AppContext
from vigil.web.limits import BodyLimitMiddleware, RateLimiter
from vigil.web.policy import check_policies
from vigil.web.ui import report_form

log = logging.getLogger(__name__)

API_V1: Final = "/api/v1"

DESCRIPTION: Final = """Hash lookups for platforms, hash-list downloads for ISPs, police forces and peers,
records for investigators, users and the audit journal for operators.

Every route but health and these docs needs `Authorization: Bearer <token>`; what a token may do
depends on its user's role. Errors are RFC 9457 problem details (`application/problem+json`)."""


def _context(settings: Settings) -> AppContext:
    engine = make_engine(settings)
    sessions = make_session_factory(engine)
    return AppContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        auth=Authenticator(sessions, settings.api_token_cache_seconds),
        matcher=Matcher.from_settings(settings, sessions),
        limiter=RateLimiter(settings.api_rate_per_second, settings.api_rate_burst),
        hash_options=HashOptions(
            limits=settings.image_limits(),
            fast=settings.pdq_fast,
            regions=settings.pdq_regions,
            video=VideoOptions(VideoLimits.from_settings(settings), settings.vpdq_seconds_per_hash),
        ),
        formats=dict(build_registry().formats),
        lookups=LookupCounter(sessions, settings.lookup_count_flush_seconds),
    )


def create_app(settings: Settings) -> FastAPI:
    ctx = _context(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ctx.matcher.start()
        ctx.lookups.start()
        try:
            yield
        finally:
            ctx.lookups.stop()
            ctx.matcher.stop()
            ctx.engine.dispose()

    app = FastAPI(
        title="Vigil",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.vigil = ctx
    problems.install(app)
    app.add_middleware(
        BodyLimitMiddleware,
        upload_limit=settings.api_max_upload_bytes,
        body_limit=settings.api_max_body_bytes,
    )
    for module in (
        health,
        hashing,
        lookup,
        lists,
        records,
        admin,
        audit,
        blocklists,
        reports,
        feed,
        federation_psi,
    ):
        app.include_router(module.router, prefix=API_V1)
    app.include_router(hma.router)
    app.include_router(report_form.router)
    app.include_router(docs.router)
    app.include_router(blocklists.well_known)
    app.include_router(reports.well_known)
    stop_page.install(app)
    console.install(app)
    ctx.route_templates = check_policies(app)
    return app


def create_app_from_environment() -> FastAPI:
    """For ``uvicorn --factory`` (several worker processes): Settings from ``VIGIL_*`` variables."""
    return create_app(Settings())
