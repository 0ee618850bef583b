"""Reports and the triage queue: partner systems post reports; analysts work the queue and assess;
law enforcement places holds; staff read the takedown figures. Reports and cases are never shown to
industry members, ISPs or peers (docs/api.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from vigil import signing
from vigil.auth.authenticate import Principal
from vigil.auth.roles import Role
from vigil.db.bounds import DB_INT_MAX
from vigil.hotline.caseview import case_view
from vigil.hotline.item_assessment import MAX_DECISIONS, ItemAssessor
from vigil.hotline.metrics import takedown_figures
from vigil.hotline.notices import SIGNATURE_HEADER
from vigil.hotline.service import HotlineService
from vigil.web.hotline import enqueue, web_hotline
from vigil.web.policy import public, require
from vigil.web.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(tags=["hotline"], responses=PROBLEM_RESPONSES)
#: Outside /api/v1: where a host fetches the key that verifies the notices it receives.
well_known = APIRouter(tags=["hotline"])
KEY_PATH: Final = "/.well-known/vigil-hotline-key"

#: Who may send reports: partner hotlines (peer), industry members, and staff.
REPORTERS = (Role.admin, Role.analyst, Role.investigator, Role.member, Role.peer)
ANALYSTS = (Role.admin, Role.analyst)
HOLDERS = (Role.admin, Role.investigator)
STAFF = (Role.admin, Role.analyst, Role.investigator)


class ReportIn(BaseModel):
    url: str = Field(max_length=8192)
    description: str = Field(default="", max_length=10_000)
    external_ref: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=500)


class ReportOut(BaseModel):
    case_id: int
    report_id: int
    duplicate: bool
    url: str


class QueueItemOut(BaseModel):
    case_id: int
    url: str
    opened_at: datetime
    reports: int
    has_evidence: bool


class AssessmentIn(BaseModel):
    #: None: the case takes the most severe category of its assessed items.
    category: str | None = Field(default=None, max_length=32)
    scheme: str | None = Field(default=None, max_length=64)


class ItemDecisionIn(BaseModel):
    item_id: int = Field(ge=1, le=DB_INT_MAX)
    #: A category of the jurisdiction's scheme, ``not-illegal``, or None to withdraw the assessment.
    category: str | None = Field(max_length=32)


class ItemsAssessmentIn(BaseModel):
    items: list[ItemDecisionIn] = Field(min_length=1, max_length=MAX_DECISIONS)


class ItemsAssessmentOut(BaseModel):
    case_id: int
    #: item id → its category (or ``not-illegal``), every assessed item of the case.
    assessed: dict[int, str]
    #: The most severe category of an item: what the case takes when assessed without one.
    worst: str | None
    #: Every fetched item is assessed not illegal: the case may be rejected.
    all_not_illegal: bool


class HoldIn(BaseModel):
    agency: str = Field(max_length=200)
    until: datetime
    reason: str = Field(default="", max_length=2000)


class StateOut(BaseModel):
    case_id: int
    state: str


class HoldOut(BaseModel):
    hold_id: int


#: The source recorded for a report, by the sender's role; a peer's verified signature makes it ``forward``.
SOURCES = {
    Role.admin: "analyst",
    Role.analyst: "analyst",
    Role.investigator: "law_enforcement",
    Role.member: "member",
    Role.peer: "partner",
}


def _report_source(request: Request, body: bytes, who: Principal) -> str:
    """A peer's report must carry a signature by a partner key we trust (when we trust any); others are
    recorded as what they are (an industry member's system, the hotline's own staff)."""
    if who.role != Role.peer:
        return SOURCES[who.role]
    directory = web_hotline(request).hotline.directory
    keys = [signing.public_key_from_pem(p.public_key.encode()) for p in directory.partners if p.public_key]
    header = request.headers.get(SIGNATURE_HEADER)
    if header is None:
        if keys:
            raise Problem(401, f"reports from partner hotlines must be signed ({SIGNATURE_HEADER})")
        return "partner"
    try:
        signing.verify(body, header, keys)
    except signing.SignatureError as exc:
        raise Problem(401, f"signature refused: {exc}") from None
    return "forward"


def _service(request: Request, who: Principal) -> HotlineService:
    """The hotline's service acting for the caller (its actions are journalled under ``who``)."""
    return HotlineService(web_hotline(request).hotline, who.actor)


AnalystChanging = Annotated[Principal, require(*ANALYSTS, audit="change")]
HolderChanging = Annotated[Principal, require(*HOLDERS, audit="change")]
RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


@router.post("/reports", name="hotline.report", status_code=201)
async def post_report(
    request: Request,
    who: Annotated[Principal, require(*REPORTERS, audit="change")],
    report: Annotated[ReportIn, Body()],
) -> ReportOut:
    """Report a URL. It is canonicalised and joins the open case of the same URL, or opens one."""
    source = _report_source(request, await request.body(), who)
    web = web_hotline(request)
    service = _service(request, who)
    done = await run_in_threadpool(
        service.submit,
        report.url,
        source=source,
        submitted_by=who.name,
        description=report.description,
        contact=report.contact,
        external_ref=report.external_ref,
    )
    if not done.duplicate:
        await run_in_threadpool(enqueue, web, done.case_id)
    return ReportOut(**asdict(done))


@router.get("/reports/queue", name="hotline.queue")
async def triage_queue(
    request: Request, who: Annotated[Principal, require(*ANALYSTS, audit="read")]
) -> list[QueueItemOut]:
    """Cases awaiting an analyst, oldest first (known content never appears here)."""
    service = _service(request, who)
    items = await run_in_threadpool(service.triage_queue)
    return [QueueItemOut(**asdict(i)) for i in items]


def _case_detail(request: Request, case_id: int) -> dict[str, Any]:
    hl = web_hotline(request).hotline
    with hl.sessions() as session:
        return case_view(session, case_id)


@router.get("/cases/{case_id}", name="hotline.case")
async def case_detail(
    request: Request,
    who: Annotated[Principal, require(*STAFF, audit="read")],
    case_id: RowId,
) -> dict[str, Any]:
    """A case with its assessments, hosting, notices, holds, dated events and, for a page, each item it
    showed with its own match (``matched_item``: the one that decided); never its content."""
    return await run_in_threadpool(_case_detail, request, case_id)


@router.post("/cases/{case_id}/assessment", name="hotline.assess")
async def assess(request: Request, who: AnalystChanging, case_id: RowId, body: AssessmentIn) -> StateOut:
    """An analyst's category under the hotline's jurisdiction; an illegal one routes the case."""
    service = _service(request, who)
    state = await run_in_threadpool(service.assess, case_id, who.name, body.category, body.scheme)
    return StateOut(case_id=case_id, state=state)


@router.post("/cases/{case_id}/items/assessment", name="hotline.assess_items")
async def assess_items(
    request: Request, who: AnalystChanging, case_id: RowId, body: ItemsAssessmentIn
) -> ItemsAssessmentOut:
    """Assess items of a reported page, all or none: a category, ``not-illegal``, or null (withdraw).
    Refused (409) once the case is assessed or closed, or while another analyst has it open."""
    decisions = {d.item_id: d.category for d in body.items}
    if len(decisions) != len(body.items):
        raise Problem(422, "an item is named twice")
    assessor = ItemAssessor(web_hotline(request).hotline, who.actor)
    say = await run_in_threadpool(assessor.assess, case_id, who.name, decisions)
    return ItemsAssessmentOut(
        case_id=case_id,
        assessed=dict(say.assessed),
        worst=say.worst.code if say.worst else None,
        all_not_illegal=say.all_not_illegal,
    )


@router.post("/cases/{case_id}/holds", name="hotline.hold", status_code=201)
async def place_hold(request: Request, who: HolderChanging, case_id: RowId, body: HoldIn) -> HoldOut:
    """Law enforcement: no notice leaves for the host until ``until`` (or until lifted)."""
    service = _service(request, who)
    until = body.until if body.until.tzinfo else body.until.replace(tzinfo=UTC)
    hold_id = await run_in_threadpool(service.place_hold, case_id, body.agency, until, body.reason)
    return HoldOut(hold_id=hold_id)


@router.delete("/holds/{hold_id}", name="hotline.lift_hold", status_code=204)
async def lift_hold(request: Request, who: HolderChanging, hold_id: RowId) -> None:
    service = _service(request, who)
    await run_in_threadpool(service.lift_hold, hold_id)


@router.get("/stats/takedown", name="hotline.figures")
async def figures(request: Request, _: Annotated[Principal, require(*STAFF)]) -> dict[str, Any]:
    """Report → notice → removal figures, per host, AS and country, and the bad-hoster ranking."""
    hl = web_hotline(request).hotline

    def compute() -> dict[str, Any]:
        with hl.sessions() as session:
            return asdict(takedown_figures(session, hl.clock.now(), hl.settings.hotline_deadline_hours))

    return await run_in_threadpool(compute)


@well_known.get(KEY_PATH, name="hotline.key", response_class=Response)
def notice_key(_: Annotated[None, public()], request: Request) -> Response:
    """The Ed25519 public key (PEM) that verifies this hotline's notices (e-mail and webhook)."""
    key = web_hotline(request).hotline.signing_key.public_key()
    return Response(
        signing.public_key_to_pem(key),
        media_type="application/x-pem-file",
        headers={"X-Vigil-Key-Id": signing.key_id(key), "Cache-Control": "public, max-age=3600"},
    )
