"""The hotline workplace: the queue, a case (locked to the analyst who opened it), its actions, the
evidence previews (blurred until revealed, each reveal journalled) and the takedown figures.

Views only translate between forms and :class:`vigil.hotline.desk.CaseDesk`; the rules live there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF, Role
from vigil.errors import restated
from vigil.hotline.desk import NOT_ILLEGAL, BatchResult, CaseDesk, QueueFilter
from vigil.hotline.models import ITEM_NOT_ILLEGAL, REPORT_SOURCES
from vigil.hotline.service import CaseLockedError, CaseNotFoundError
from vigil.web.console import nav
from vigil.web.console.forms import FormPage
from vigil.web.console.guard import console_auth, console_user
from vigil.web.console.render import page
from vigil.web.context import context
from vigil.web.hotline import web_hotline

router = APIRouter(include_in_schema=False)

ANALYSTS: Final = (Role.admin, Role.analyst)
HOLDERS: Final = (Role.admin, Role.investigator)
#: Who may read a reporter's contact (personal data): the hotline's own staff, not law enforcement.
CONTACT_READERS: Final = (Role.admin, Role.analyst)
STATES: Final = ("new", "triage")
#: Cases on one grid page (each a preview, a few radio buttons).
GRID_SIZE: Final = 60

nav.register("Queue", "/console/queue", (Role.admin, Role.analyst, Role.investigator))
nav.register("Grid", "/console/grid", ANALYSTS)
nav.register("Figures", "/console/figures", (Role.admin, Role.analyst, Role.investigator))

Staff = Annotated[ConsoleUser, console_user(*STAFF)]
Analyst = Annotated[ConsoleUser, console_user(*ANALYSTS)]
Holder = Annotated[ConsoleUser, console_user(*HOLDERS)]
Contact = Annotated[ConsoleUser, console_user(*CONTACT_READERS)]
CaseId = Annotated[int, Path(ge=1, le=2**62)]
#: Why a case is rejected or its content counted as removed.
Reason = Annotated[str, Form(max_length=500)]


def desk_for(request: Request, user: ConsoleUser) -> CaseDesk:
    minutes = context(request).settings.console_case_lock_minutes
    return CaseDesk(web_hotline(request).hotline, user.name, timedelta(minutes=minutes))


def to_case(case_id: int) -> Response:
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


class QueueQuery(BaseModel):
    """The queue's filters as the page's form sends them; what is not a known value filters nothing."""

    state: str = Field("", max_length=16)
    source: str = Field("", max_length=16)
    country: str = Field("", max_length=2)
    host: str = Field("", max_length=255)


@router.get("/console/queue", name="console.queue")
async def queue(request: Request, user: Staff, q: Annotated[QueueQuery, Query()]) -> Response:
    wanted = QueueFilter(
        states=(q.state,) if q.state in STATES else STATES,
        source=q.source if q.source in REPORT_SOURCES else None,
        country=q.country.upper() if q.country.isalpha() else None,
        host=q.host.strip() or None,
    )
    rows = await run_in_threadpool(desk_for(request, user).queue, wanted)
    now = datetime.now(UTC)
    return page(
        request,
        "queue.html",
        rows=rows,
        now=now,
        filters=q.model_dump(),
        states=STATES,
        sources=REPORT_SOURCES,
    )


async def reviewing(request: Request, user: ConsoleUser) -> dict[str, Any]:
    """What a page showing captured items gives its template for the break reminder and the previews;
    the user counts as reviewing from now on (the reminder's clock)."""
    await run_in_threadpool(console_auth(request).reviewing, user, True)
    return {
        "hide_previews": bool(user.preferences.get("hide_previews")),
        "break_minutes": context(request).settings.console_break_minutes,
        "review_since": user.review_since or datetime.now(UTC),
    }


async def form_decisions(request: Request, prefix: str, limit: int) -> dict[int, str]:
    """The form's ``PREFIX-N`` fields, at most ``limit`` of them (a forged form's others are left out):
    N → its value, "" for undecided."""
    form = await request.form()
    decisions: dict[int, str] = {}
    for key, value in form.multi_items():
        number = key.removeprefix(f"{prefix}-")
        if key.startswith(f"{prefix}-") and number.isdigit() and len(number) <= 18 and isinstance(value, str):
            if len(decisions) >= limit:
                break
            decisions[int(number)] = value[:32]
    return decisions


@router.get("/console/grid", name="console.grid")
async def grid(request: Request, user: Analyst) -> Response:
    return await _grid_page(request, user)


async def grid_page(
    request: Request,
    user: ConsoleUser,
    template: str,
    tiles: Callable[[CaseDesk], Sequence[object]],
    not_illegal: str,
    result: object,
    status: int,
) -> Response:
    """A grid of tiles to classify, by case or by item, with the categories to choose from."""
    desk = desk_for(request, user)
    return page(
        request,
        template,
        status,
        tiles=await run_in_threadpool(tiles, desk),
        categories=await run_in_threadpool(desk.categories),
        not_illegal=not_illegal,
        result=result,
        now=datetime.now(UTC),
        **await reviewing(request, user),
    )


async def _grid_page(
    request: Request, user: ConsoleUser, result: BatchResult | None = None, status: int = 200
) -> Response:
    cases = QueueFilter(limit=GRID_SIZE)
    return await grid_page(
        request, user, "grid.html", lambda desk: desk.grid(cases), NOT_ILLEGAL, result, status
    )


@router.post("/console/grid", name="console.grid_submit")
async def grid_submit(request: Request, user: Analyst) -> Response:
    """Every tile's decision in one form: ``case-N`` = a category code, ``not-illegal``, or empty."""
    decisions = {
        case: value for case, value in (await form_decisions(request, "case", GRID_SIZE)).items() if value
    }
    result = await run_in_threadpool(desk_for(request, user).classify, decisions)
    return await _grid_page(request, user, result, 409 if result.refused else 200)


async def case_page(
    request: Request, user: ConsoleUser, case_id: int, error: str | None = None, status: int = 200
) -> Response:
    desk = desk_for(request, user)
    try:
        view = await run_in_threadpool(desk.open, case_id)
    except CaseNotFoundError:
        return page(request, "error.html", 404, message=f"No case {case_id}.")
    categories = await run_in_threadpool(desk.categories) if user.role in ANALYSTS else []
    return page(
        request,
        "case.html",
        status,
        view=view,
        categories=categories,
        error=error,
        not_illegal=ITEM_NOT_ILLEGAL,
        may_assess=user.role in ANALYSTS,
        may_hold=user.role in HOLDERS,
        may_contact=user.role in CONTACT_READERS,
        **await reviewing(request, user),
    )


@router.get("/console/cases/{case_id}", name="console.case")
async def case(request: Request, user: Staff, case_id: CaseId) -> Response:
    return await case_page(request, user, case_id)


async def desk_action(
    request: Request, user: ConsoleUser, case_id: int, action: Callable[[CaseDesk], object]
) -> Response:
    """Run ``action`` on the user's desk; its refusal is shown on the case page (409), its success
    redirects there."""

    async def again(message: str, status: int) -> Response:
        return await case_page(request, user, case_id, message, status)

    def run() -> object:
        try:
            return action(desk_for(request, user))
        except CaseLockedError as exc:  # says who has it; the page adds what that means
            raise restated(exc, f"{exc}: it is locked to them.") from exc

    return await FormPage(again, 409).submit(request, run, f"/console/cases/{case_id}")


@router.post("/console/cases/{case_id}/assess", name="console.assess")
async def assess(
    request: Request,
    user: Analyst,
    case_id: CaseId,
    category: Annotated[str, Form(max_length=32)] = "",
    law_enforcement_first: Annotated[bool, Form()] = False,
) -> Response:
    return await desk_action(
        request, user, case_id, lambda desk: desk.assess(case_id, category, law_enforcement_first)
    )


@router.post("/console/cases/{case_id}/reject", name="console.reject")
async def reject(request: Request, user: Analyst, case_id: CaseId, reason: Reason = "") -> Response:
    return await desk_action(request, user, case_id, lambda desk: desk.reject(case_id, reason))


@router.post("/console/cases/{case_id}/repeat-notice", name="console.repeat_notice")
async def repeat_notice(request: Request, user: Analyst, case_id: CaseId) -> Response:
    return await desk_action(request, user, case_id, lambda desk: desk.repeat_notice(case_id))


@router.post("/console/cases/{case_id}/removed", name="console.mark_removed")
async def mark_removed(request: Request, user: Analyst, case_id: CaseId, reason: Reason = "") -> Response:
    return await desk_action(request, user, case_id, lambda desk: desk.mark_removed(case_id, reason))


@router.post("/console/cases/{case_id}/release", name="console.release")
async def release(request: Request, user: Staff, case_id: CaseId) -> Response:
    await run_in_threadpool(desk_for(request, user).release, case_id)
    return RedirectResponse("/console/queue", status_code=303)


class HoldForm(BaseModel):
    agency: str = Field("", max_length=200)
    #: The last day of the hold (YYYY-MM-DD).
    until: str = Field("", max_length=10)
    reason: str = Field("", max_length=2000)


@router.post("/console/cases/{case_id}/holds", name="console.hold")
async def place_hold(
    request: Request, user: Holder, case_id: CaseId, f: Annotated[HoldForm, Form()]
) -> Response:
    try:
        day = datetime.fromisoformat(f.until).date()
    except ValueError:
        return await case_page(request, user, case_id, "Give the hold's end as a date (YYYY-MM-DD).", 422)
    if not f.agency.strip():
        return await case_page(request, user, case_id, "Name the agency asking for the hold.", 422)
    end = datetime.combine(day, time(23, 59), UTC)
    return await desk_action(
        request, user, case_id, lambda desk: desk.service.place_hold(case_id, f.agency.strip(), end, f.reason)
    )


@router.post("/console/cases/{case_id}/holds/{hold_id}/lift", name="console.lift_hold")
async def lift_hold(request: Request, user: Holder, case_id: CaseId, hold_id: CaseId) -> Response:
    return await desk_action(request, user, case_id, lambda desk: desk.service.lift_hold(hold_id))


@router.get("/console/cases/{case_id}/evidence/{evidence_id}/preview", name="console.preview")
async def preview(request: Request, user: Staff, case_id: CaseId, evidence_id: CaseId) -> Response:
    if user.preferences.get("hide_previews"):
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    try:
        found = await run_in_threadpool(desk_for(request, user).preview, case_id, evidence_id)
    except CaseNotFoundError:
        found = None
    if found is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    headers = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
    }
    return Response(found.data, media_type=found.media_type, headers=headers)


@router.post("/console/cases/{case_id}/evidence/{evidence_id}/reveal", name="console.reveal")
async def reveal(request: Request, user: Staff, case_id: CaseId, evidence_id: CaseId) -> Response:
    try:
        await run_in_threadpool(desk_for(request, user).reveal, case_id, evidence_id)
    except CaseNotFoundError:
        return Response(status_code=404)
    return Response(status_code=204)


@router.post("/console/cases/{case_id}/reports/{report_id}/contact", name="console.contact")
async def contact(request: Request, user: Contact, case_id: CaseId, report_id: CaseId) -> Response:
    desk = desk_for(request, user)
    try:
        value = await run_in_threadpool(desk.service.reporter_contact, report_id)
    except CaseNotFoundError as exc:
        return page(request, "error.html", 404, message=str(exc))
    return page(request, "contact.html", case_id=case_id, report_id=report_id, contact=value)


@router.get("/console/figures", name="console.figures")
async def figures(request: Request, user: Staff) -> Response:
    found = await run_in_threadpool(desk_for(request, user).figures)
    return page(request, "figures.html", figures=asdict(found))
