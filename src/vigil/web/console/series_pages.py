"""Series and victims for investigators (``/console/series``): each series with its victims under their
pseudonymous labels and its media; an identification (date and agency) is recorded by investigators and
admins only, through :meth:`vigil.hashlists.service.HashDatabase.identify_victim` (journalled)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF, Role
from vigil.errors import Conflict, Invalid, NotFound
from vigil.hashlists.records import details, victims
from vigil.hashlists.service import HashDatabase
from vigil.web.console import nav
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import context

router = APIRouter(include_in_schema=False)
nav.register("Series", "/console/series", tuple(STAFF), rank=60)

#: Who records an identification: law enforcement (and admins), as the API's VICTIM_ID.
IDENTIFIERS: Final = (Role.admin, Role.investigator)
Staff = Annotated[ConsoleUser, console_user(*STAFF)]
Identifier = Annotated[ConsoleUser, console_user(*IDENTIFIERS)]
RowId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/console/series", name="console.series_list")
async def series_list(request: Request, user: Staff) -> Response:
    def read() -> list[victims.SeriesSummary]:
        with context(request).sessions() as session:
            return victims.series_list(session)

    return page(request, "series_list.html", series=await run_in_threadpool(read))


async def _series_page(
    request: Request, user: ConsoleUser, series_id: int, error: str | None = None, status: int = 200
) -> Response:
    def read() -> tuple[victims.SeriesRecord, list[tuple[int, str | None, str | None]], list[str]]:
        with context(request).sessions() as session:
            record = victims.series_record(session, series_id)
            return (
                record,
                victims.series_media(session, series_id),
                details.vote_choices(session).contributors,
            )

    try:
        record, media, agencies = await run_in_threadpool(read)
    except NotFound as exc:
        return page(request, "error.html", 404, message=str(exc))
    return page(
        request,
        "series.html",
        status,
        s=record,
        media=media,
        agencies=agencies,
        may_identify=user.role in IDENTIFIERS,
        today=date.today().isoformat(),
        error=error,
    )


@router.get("/console/series/{series_id}", name="console.series")
async def series(request: Request, user: Staff, series_id: RowId) -> Response:
    return await _series_page(request, user, series_id)


@router.post("/console/series/{series_id}/victims/{victim_id}/identify", name="console.identify")
async def identify(
    request: Request,
    user: Identifier,
    series_id: RowId,
    victim_id: RowId,
    on: Annotated[str, Form(max_length=10)] = "",
    agency: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        day = date.fromisoformat(on)
    except ValueError:
        return await _series_page(request, user, series_id, "Give the date as YYYY-MM-DD.", 422)
    if day > date.today():
        return await _series_page(
            request, user, series_id, "The date of identification is in the future.", 422
        )

    def record() -> None:
        with context(request).sessions() as session:
            found = victims.victim_record(session, victim_id)
        if found.series_id != series_id:
            raise victims.RecordNotFoundError(f"no victim {victim_id} in series {series_id}")
        HashDatabase(context(request).sessions, f"console:{user.name}").identify_victim(
            victim_id, day, agency
        )

    try:
        await run_in_threadpool(record)
    except NotFound as exc:
        return page(request, "error.html", 404, message=str(exc))
    except (Invalid, Conflict) as exc:  # an unknown agency; a victim identified already
        return await _series_page(
            request, user, series_id, str(exc), 409 if isinstance(exc, Conflict) else 422
        )
    return RedirectResponse(f"/console/series/{series_id}#victim-{victim_id}", status_code=303)
