"""Errors as RFC 9457 problem details (``application/problem+json``), and never a stack trace.

Routes raise :class:`Problem` (or a Starlette ``HTTPException``), or let a domain's
:class:`~vigil.errors.VigilError` through: its category picks the status once, here (:data:`STATUSES`),
so that routes do not map errors one by one. Validation errors become 422 with the failing fields; a
database lock held past every bounded wait becomes 503 with ``Retry-After``; anything unexpected (a
programming error) is logged with a reference and answered as a bare 500 that carries the reference and
nothing of the exception.
"""

from __future__ import annotations

import logging
import secrets
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from vigil.db.transient import is_transient
from vigil.errors import Conflict, Invalid, NotFound, Unavailable, VigilError, category

log = logging.getLogger(__name__)

MEDIA_TYPE: Final = "application/problem+json"
#: Paths answering in hasher-matcher-actioner's shape: its clients read ``message`` from errors.
HMA_PREFIXES: Final = ("/m/", "/h/")
#: Seconds a client is told to wait after a 503 for a busy database.
BUSY_RETRY_AFTER_SECONDS: Final = 2


#: The status of each error category.
STATUSES: Final[dict[type[VigilError], int]] = {NotFound: 404, Conflict: 409, Invalid: 422, Unavailable: 503}


class ProblemModel(BaseModel):
    """An RFC 9457 problem (extension members may follow)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


#: ``responses=`` for routes: the problem documents every error status may carry.
PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    status: {"model": ProblemModel, "content": {MEDIA_TYPE: {}}, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}


class Problem(Exception):  # noqa: N818 - it is what the client receives, named as RFC 9457 does
    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or "")
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers
        self.extra = extra


def problem_response(
    request: Request,
    status: int,
    detail: str | None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    if request.url.path.startswith(HMA_PREFIXES):
        body.setdefault("message", detail or body["title"])
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        request, exc.status, exc.detail, title=exc.title, headers=exc.headers, **exc.extra
    )


def status_of(exc: VigilError) -> int:
    return STATUSES[category(exc)]


def bad_request(exc: VigilError) -> Exception:
    """For a route that reads an :class:`Invalid` error as a malformed request (400); an error of another
    category is returned as it is, for the shared mapping."""
    return Problem(400, str(exc)) if category(exc) is Invalid else exc


async def _vigil(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VigilError)
    retry = exc.retry_after if isinstance(exc, Unavailable) else None
    headers = {"Retry-After": str(retry)} if retry is not None else None
    return problem_response(request, status_of(exc), str(exc) or None, headers=headers)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail != HTTPStatus(exc.status_code).phrase
        else None
    )
    return problem_response(request, exc.status_code, detail, headers=dict(exc.headers or {}) or None)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # The offending input is not echoed back: it may be large, or a secret sent to the wrong field.
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    return problem_response(request, 422, "the request is not valid", errors=errors)


async def _database(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if not is_transient(exc):
        return await _unexpected(request, exc)
    # Another process held a lock past every bounded wait and retry: busy, not broken.
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
    return problem_response(
        request,
        503,
        "the database is busy; try again shortly",
        headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    reference = secrets.token_hex(8)
    log.error("unhandled error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, f"internal error; reference {reference}")


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(VigilError, _vigil)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
