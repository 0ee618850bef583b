"""URL blocklists in the console (``/console/blocklists``): entries awaiting a second analyst, confirmed,
expiring and removed; appeals; the published versions with their digests and signatures.

Every action is :class:`vigil.blocklists.service.BlocklistService`'s (one transaction each, journalled
under ``blocklists.*`` with the actor ``console:NAME``). The two-analyst rule is the service's: the
page only leaves out the *Confirm* button for the analyst who proposed an entry, and says why; a
forged confirmation is refused by the service all the same. All staff read; curators (the API's
``CURATORS``, who publish hash lists) act.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF
from vigil.blocklists.lists import DEFAULT_URL_LIST, BlocklistError, VersionInfo, same_person
from vigil.blocklists.service import AppealInfo, BlocklistService, EntryInfo
from vigil.blocklists.signed_exports import KEEP_SERIALS, Exporter
from vigil.db.base import utcnow
from vigil.db.bounds import DB_INT_MAX
from vigil.signing import key_id
from vigil.signing.keyfile import load_or_create_signing_key, signing_key_path
from vigil.web.console import nav
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import context
from vigil.web.roles import CURATORS

router = APIRouter(include_in_schema=False)
nav.register("Blocklists", "/console/blocklists", tuple(STAFF), rank=64)

Staff = Annotated[ConsoleUser, console_user(*STAFF)]
Curator = Annotated[ConsoleUser, console_user(*CURATORS)]
ListName = Annotated[str, Path(max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")]
KEY_PATH: Final = "/.well-known/vigil-blocklist-key"


@dataclass(frozen=True)
class SignedVersion:
    info: VersionInfo
    #: Format → detached signature of its whole export; empty for versions older than the cache keeps.
    signatures: dict[str, str]
    #: Why the signatures could not be made (a version that no longer matches its digest).
    problem: str | None = None


def parse_when(text: str) -> datetime | None:
    """A date or date and time from a form, in UTC; None when empty."""
    if not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BlocklistError(f"{text!r} is not a date and time (YYYY-MM-DD HH:MM, UTC)") from None
    return when if when.utcoffset() is not None else when.replace(tzinfo=UTC)


def _service(request: Request, user: ConsoleUser) -> BlocklistService:
    return BlocklistService(context(request).sessions, f"console:{user.name}")


def signed_versions(request: Request, service: BlocklistService, name: str) -> list[SignedVersion]:
    versions = service.versions(name)
    if not versions:
        return []
    exporter = Exporter.from_settings(context(request).settings, service)
    latest = versions[-1].serial
    out: list[SignedVersion] = []
    for info in reversed(versions):
        if info.serial <= latest - KEEP_SERIALS:
            out.append(SignedVersion(info, {}))
            continue
        try:
            out.append(SignedVersion(info, exporter.signatures(name, info.serial)))
        except BlocklistError as exc:
            out.append(SignedVersion(info, {}, str(exc)))
    return out


def signing_key_id(request: Request) -> str:
    return key_id(load_or_create_signing_key(signing_key_path(context(request).settings)).public_key())


@dataclass(frozen=True)
class UrlListView:
    names: list[str]
    entries: list[EntryInfo]
    appeals: list[AppealInfo]
    versions: list[SignedVersion]
    key_id: str


def _read(request: Request, user: ConsoleUser, name: str) -> UrlListView:
    service = _service(request, user)
    names = service.list_names()
    if name not in names:  # a list that does not exist yet: the first proposal makes it
        return UrlListView(names, [], [], [], signing_key_id(request))
    return UrlListView(
        names,
        service.entries(name, include_removed=True),
        service.appeals(name),
        signed_versions(request, service, name),
        signing_key_id(request),
    )


async def _page(
    request: Request, user: ConsoleUser, name: str, error: str | None = None, status: int = 200
) -> Response:
    try:
        view = await run_in_threadpool(_read, request, user, name)
    except BlocklistError as exc:
        return page(request, "error.html", 404, message=str(exc))
    now = utcnow()
    return page(
        request,
        "blocklists.html",
        status,
        name=name,
        v=view,
        live=[e for e in view.entries if e.removed_at is None],
        state={e.id: e.state(now) for e in view.entries},
        mine={e.id: same_person(user.name, e.added_by) for e in view.entries},
        may_act=user.role in CURATORS,
        key_path=KEY_PATH,
        error=error,
    )


@router.get("/console/blocklists", name="console.blocklists")
async def blocklists(
    request: Request,
    user: Staff,
    list_name: Annotated[str, Query(alias="list", max_length=63)] = DEFAULT_URL_LIST,
) -> Response:
    return await _page(request, user, list_name)


def _back(name: str, anchor: str) -> Response:
    return RedirectResponse(f"/console/blocklists?list={name}#{anchor}", status_code=303)


async def _act(
    request: Request,
    user: ConsoleUser,
    name: str,
    anchor: str,
    action: Callable[[], object],
    status: int = 422,
) -> Response:
    """Run ``action`` (a callable doing one service call); its refusal is shown on the list's page."""
    try:
        await run_in_threadpool(action)
    except BlocklistError as exc:
        return await _page(request, user, name, str(exc), status)
    return _back(name, anchor)


@router.post("/console/blocklists/{name}/propose", name="console.blocklist_propose")
async def propose(
    request: Request,
    user: Curator,
    name: ListName,
    target: Annotated[str, Form(max_length=4000)] = "",
    category: Annotated[str, Form(max_length=100)] = "csam",
    reason: Annotated[str, Form(max_length=2000)] = "",
    wildcard: Annotated[str, Form(max_length=10)] = "",
    expires: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    def run() -> None:
        _service(request, user).add(
            target,
            by=user.name,
            list_name=name,
            category=category.strip() or "csam",
            reason=reason,
            wildcard=bool(wildcard),
            expires_at=parse_when(expires),
        )

    return await _act(request, user, name, "entries", run)


@router.post("/console/blocklists/{name}/confirm", name="console.blocklist_confirm")
async def confirm(
    request: Request, user: Curator, name: ListName, target: Annotated[str, Form(max_length=4000)] = ""
) -> Response:
    """The second analyst's confirmation; the service refuses the proposer (409)."""
    return await _act(
        request,
        user,
        name,
        "entries",
        lambda: _service(request, user).confirm(target, by=user.name, list_name=name),
        409,
    )


@router.post("/console/blocklists/{name}/remove", name="console.blocklist_remove")
async def remove(
    request: Request,
    user: Curator,
    name: ListName,
    target: Annotated[str, Form(max_length=4000)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return await _act(
        request,
        user,
        name,
        "entries",
        lambda: _service(request, user).remove(target, by=user.name, reason=reason, list_name=name),
    )


@router.post("/console/blocklists/{name}/expire", name="console.blocklist_expire")
async def expire(
    request: Request,
    user: Curator,
    name: ListName,
    target: Annotated[str, Form(max_length=4000)] = "",
    at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    def run() -> None:
        _service(request, user).expire(target, by=user.name, at=parse_when(at), list_name=name)

    return await _act(request, user, name, "entries", run)


@router.post("/console/blocklists/{name}/appeal", name="console.blocklist_appeal")
async def appeal(
    request: Request,
    user: Curator,
    name: ListName,
    target: Annotated[str, Form(max_length=4000)] = "",
    appellant: Annotated[str, Form(max_length=500)] = "",
    statement: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    def run() -> None:
        _service(request, user).appeal(
            target, appellant=appellant, statement=statement, by=user.name, list_name=name
        )

    return await _act(request, user, name, "appeals", run)


@router.post("/console/blocklists/{name}/appeals/{appeal_id}", name="console.blocklist_resolve")
async def resolve(
    request: Request,
    user: Curator,
    name: ListName,
    appeal_id: Annotated[int, Path(ge=1, le=DB_INT_MAX)],
    decision: Annotated[str, Form(max_length=10)] = "",
    resolution: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if decision not in ("uphold", "reject"):
        return await _page(request, user, name, "Choose to uphold or to reject the appeal.", 422)

    def run() -> None:
        _service(request, user).resolve_appeal(
            appeal_id, by=user.name, upheld=decision == "uphold", resolution=resolution
        )

    return await _act(request, user, name, "appeals", run, 409)


@router.post("/console/blocklists/{name}/publish", name="console.blocklist_publish")
async def publish(request: Request, user: Curator, name: ListName) -> Response:
    return await _act(request, user, name, "versions", lambda: _service(request, user).publish(name))
