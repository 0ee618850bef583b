"""Series and victims for investigators (``/console/series``): each series with its victims under their
pseudonymous labels and its media, as a grid of blurred previews where the hotline captured them; an
identification (date and agency) and notes on a victim are recorded by investigators and admins only,
through :class:`vigil.hashlists.service.HashDatabase` (journalled). ``/console/victims`` shows the
victim-identification figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF, Role
from vigil.dashboards import goal_line, victims_chart
from vigil.errors import Conflict
from vigil.hashlists.records import details, victims
from vigil.hashlists.service import HashDatabase
from vigil.hashlists.victims import VictimFigures
from vigil.hashlists.victims import victim_figures as figures_of
from vigil.hotline.captures import Capture, captures
from vigil.web.console import nav
from vigil.web.console.forms import Again, FormPage, found_or_404
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import context

router = APIRouter(include_in_schema=False)
nav.register("Series", "/console/series", tuple(STAFF), rank=60)
nav.register("Victims", "/console/victims", tuple(STAFF), rank=60)

#: Who records an identification: law enforcement (and admins), as the API's VICTIM_ID.
IDENTIFIERS: Final = (Role.admin, Role.investigator)
Staff = Annotated[ConsoleUser, console_user(*STAFF)]
Identifier = Annotated[ConsoleUser, console_user(*IDENTIFIERS)]
RowId = Annotated[int, Path(ge=1, le=2**62)]
SeriesPage = tuple[
    victims.SeriesRecord,
    list[tuple[int, str | None, str | None]],
    dict[int, Capture],
    dict[int, list[victims.NoteView]],
    list[str],
]


@router.get("/console/series", name="console.series_list")
async def series_list(request: Request, user: Staff) -> Response:
    def read() -> list[victims.SeriesSummary]:
        with context(request).sessions() as session:
            return victims.series_list(session)

    return page(request, "series_list.html", series=await run_in_threadpool(read))


async def _series_page(
    request: Request, user: ConsoleUser, series_id: int, error: str | None = None, status: int = 200
) -> Response:
    may_identify = user.role in IDENTIFIERS

    def read() -> SeriesPage:
        with context(request).sessions() as session:
            record = victims.series_record(session, series_id)
            media = victims.series_media(session, series_id)
            return (
                record,
                media,
                captures(session, [m[0] for m in media]),
                victims.series_notes(session, series_id) if may_identify else {},
                details.vote_choices(session).contributors,
            )

    found = await found_or_404(request, read)
    if isinstance(found, Response):
        return found
    record, media, captured, notes, agencies = found
    return page(
        request,
        "series.html",
        status,
        s=record,
        media=media,
        captured=captured,
        notes=notes,
        hide_previews=bool(user.preferences.get("hide_previews")),
        agencies=agencies,
        may_identify=may_identify,
        today=date.today().isoformat(),
        error=error,
    )


def _again(request: Request, user: ConsoleUser, series_id: int) -> Again:
    async def again(message: str, status: int) -> Response:
        return await _series_page(request, user, series_id, message, status)

    return again


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

    # Refused: an unknown agency (422); a victim identified already (409).
    refused = FormPage(_again(request, user, series_id), statuses={Conflict: 409})
    return await refused.submit(request, record, f"/console/series/{series_id}#victim-{victim_id}")


@router.post("/console/series/{series_id}/notes", name="console.victim_note")
async def add_note(
    request: Request,
    user: Identifier,
    series_id: RowId,
    victim_id: Annotated[int, Form(alias="victim", ge=1, le=2**62)],
    text: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    def record() -> None:
        with context(request).sessions() as session:
            found = victims.victim_record(session, victim_id)
        if found.series_id != series_id:
            raise victims.RecordNotFoundError(f"no victim {victim_id} in series {series_id}")
        HashDatabase(context(request).sessions, user.actor).add_victim_note(victim_id, text)

    async def again(message: str, status: int) -> Response:  # empty or too long: the service's words
        return await _series_page(request, user, series_id, message[:1].upper() + message[1:] + ".", status)

    return await FormPage(again).submit(request, record, f"/console/series/{series_id}#notes")


@router.get("/console/victims", name="console.victim_figures")
async def victim_figures(request: Request, user: Staff) -> Response:
    """The victim-identification figures: per year against the goal, per agency, per series."""

    def read() -> tuple[VictimFigures, list[tuple[str, int]], list[victims.SeriesSummary]]:
        with context(request).sessions() as session:
            return (
                figures_of(session),
                victims.identified_by_agency(session),
                victims.series_list(session),
            )

    figures, agencies, series = await run_in_threadpool(read)
    return page(
        request,
        "victim_figures.html",
        v=figures,
        goal=goal_line(figures),
        chart=victims_chart,
        agencies=agencies,
        series=series,
    )
