"""``/stop``: the page a resolver's CNAME sends blocked visitors to. It records nothing about them.

Someone landing here may have followed a link by mistake; a record of their address next to a blocked
site would be a record of an accusation. So this route writes no audit entry (its policy is public),
keeps no per-address rate-limit state (its policy skips the limiter) and is dropped from the server's
access log (a filter on uvicorn's access logger, installed with the route). What the visitor asked for
(``?lang=``, Accept-Language) chooses the text and goes nowhere else.
"""

from __future__ import annotations

import logging
from typing import Annotated, Final

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from vigil.blocklists.stop_page import (
    DEFAULT_TEXTS,
    StopPageError,
    choose_language,
    load_texts,
    render_stop_page,
)
from vigil.web.context import context
from vigil.web.policy import PublicPolicy

log = logging.getLogger(__name__)

STOP_PATH: Final = "/stop"
#: Paths whose requests never reach the access log.
QUIET_PATHS: Final = frozenset({STOP_PATH})
ACCESS_LOGGER: Final = "uvicorn.access"

HEADERS: Final = {
    "Cache-Control": "private, max-age=300",
    "Vary": "Accept-Language",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
}


class UnrecordedPolicy(PublicPolicy):
    """Public, and unlike ``public()`` without the per-address rate limiter, which remembers addresses."""

    async def __call__(self, request: Request) -> None:
        return None

    def __repr__(self) -> str:
        return "public(unrecorded)"


class QuietPathsFilter(logging.Filter):
    """Drops uvicorn access-log records of :data:`QUIET_PATHS` (args: client, method, path, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            return args[2].split("?", 1)[0] not in QUIET_PATHS
        return True


router = APIRouter(include_in_schema=False)


@router.get(STOP_PATH, name="stop.page", response_class=HTMLResponse)
def stop_page(
    _: Annotated[None, Depends(UnrecordedPolicy())],
    request: Request,
    lang: Annotated[str | None, Query(max_length=35)] = None,
) -> HTMLResponse:
    settings = context(request).settings
    try:
        texts, fallback = load_texts(settings.stop_page_file)
    except StopPageError as exc:
        # The operator's file is broken: say so in the log (nothing about the visitor), show the default.
        log.error("stop page: %s; showing the shipped text", exc)
        texts, fallback = dict(DEFAULT_TEXTS), "en"
    language = choose_language(texts, fallback, lang, request.headers.get("accept-language"))
    return HTMLResponse(render_stop_page(texts, language), headers={**HEADERS, "Content-Language": language})


def install(app: FastAPI) -> None:
    """Serve ``/stop`` and keep it out of the access log (idempotent: apps are built many times in tests)."""
    app.include_router(router)
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, QuietPathsFilter) for existing in access.filters):
        access.addFilter(QuietPathsFilter())
