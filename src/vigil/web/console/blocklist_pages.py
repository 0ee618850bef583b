"""URL blocklists in the console (``/console/blocklists``): entries awaiting a second analyst, confirmed,
expiring and removed; appeals; the published versions with their digests and signatures.

Every action is :class:`vigil.blocklists.service.BlocklistService`'s (one transaction each, journalled
under ``blocklists.*`` with the actor ``console:NAME``). The two-analyst rule is the service's: the
page only leaves out the *Confirm* button for the analyst who proposed an entry, and says why; a
forged confirmation is refused by the service all the same. All staff read; curators (the API's
``CURATORS``, who publish hash lists) act.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF
from vigil.blocklists.lists import DEFAULT_URL_LIST, same_person
from vigil.blocklists.service import AppealInfo, BlocklistService, EntryInfo
from vigil.blocklists.signed_exports import Exporter
from vigil.db.base import utcnow
from vigil.db.bounds import DB_INT_MAX
from vigil.signing import key_id
from vigil.web.console import list_lifecycle as lifecycle
from vigil.web.console import nav
from vigil.web.console.list_lifecycle import Act, Reason, When
from vigil.web.context import context

router = APIRouter(include_in_schema=False)
nav.register("Blocklists", "/console/blocklists", tuple(STAFF), rank=64)

#: The form's fields that several actions take.
Target = Annotated[str, Form(max_length=4000)]


def _service(request: Request, user: ConsoleUser) -> BlocklistService:
    return BlocklistService(context(request).sessions, f"console:{user.name}")


@dataclass(frozen=True)
class UrlListView:
    names: list[str]
    entries: list[EntryInfo]
    appeals: list[AppealInfo]
    versions: list[lifecycle.SignedVersion]
    key_id: str


def _read(request: Request, user: ConsoleUser, name: str) -> UrlListView:
    service = _service(request, user)
    names = service.list_names()
    if name not in names:  # a list that does not exist yet: the first proposal makes it
        return UrlListView(names, [], [], [], key_id(lifecycle.signing_key(request).public_key()))
    exporter = Exporter.from_settings(context(request).settings, service)
    return UrlListView(
        names,
        service.entries(name, include_removed=True),
        service.appeals(name),
        lifecycle.signed_versions(service.versions(name), lambda serial: exporter.signatures(name, serial)),
        exporter.key_id,
    )


def _values(user: ConsoleUser, view: UrlListView) -> dict[str, Any]:
    now = utcnow()
    return {
        "live": [e for e in view.entries if e.removed_at is None],
        "state": {e.id: e.state(now) for e in view.entries},
        "mine": {e.id: same_person(user.name, e.added_by) for e in view.entries},
    }


PAGE: Final = lifecycle.LifecyclePage("/console/blocklists", "blocklists.html", _read, _values)

PAGE.route(router, "console.blocklists", DEFAULT_URL_LIST)


@router.post("/console/blocklists/{name}/propose", name="console.blocklist_propose")
async def propose(
    act: Act,
    target: Target = "",
    category: Annotated[str, Form(max_length=100)] = "csam",
    reason: Reason = "",
    wildcard: Annotated[str, Form(max_length=10)] = "",
    expires: When = "",
) -> Response:
    def run() -> None:
        _service(act.request, act.user).add(
            target,
            by=act.user.name,
            list_name=act.name,
            category=category.strip() or "csam",
            reason=reason,
            wildcard=bool(wildcard),
            expires_at=lifecycle.parse_when(expires),
        )

    return await PAGE.act(act, "entries", run)


@router.post("/console/blocklists/{name}/confirm", name="console.blocklist_confirm")
async def confirm(act: Act, target: Target = "") -> Response:
    """The second analyst's confirmation; the service refuses the proposer (409)."""
    service = _service(act.request, act.user)
    return await PAGE.act(
        act, "entries", lambda: service.confirm(target, by=act.user.name, list_name=act.name), 409
    )


@router.post("/console/blocklists/{name}/remove", name="console.blocklist_remove")
async def remove(act: Act, target: Target = "", reason: Reason = "") -> Response:
    service = _service(act.request, act.user)
    return await PAGE.act(
        act, "entries", lambda: service.remove(target, by=act.user.name, reason=reason, list_name=act.name)
    )


@router.post("/console/blocklists/{name}/expire", name="console.blocklist_expire")
async def expire(act: Act, target: Target = "", at: When = "") -> Response:
    def run() -> None:
        when = lifecycle.parse_when(at)
        _service(act.request, act.user).expire(target, by=act.user.name, at=when, list_name=act.name)

    return await PAGE.act(act, "entries", run)


@router.post("/console/blocklists/{name}/appeal", name="console.blocklist_appeal")
async def appeal(
    act: Act,
    target: Target = "",
    appellant: Annotated[str, Form(max_length=500)] = "",
    statement: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    def run() -> None:
        _service(act.request, act.user).appeal(
            target, appellant=appellant, statement=statement, by=act.user.name, list_name=act.name
        )

    return await PAGE.act(act, "appeals", run)


@router.post("/console/blocklists/{name}/appeals/{appeal_id}", name="console.blocklist_resolve")
async def resolve(
    act: Act,
    appeal_id: Annotated[int, Path(ge=1, le=DB_INT_MAX)],
    decision: Annotated[str, Form(max_length=10)] = "",
    resolution: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if decision not in ("uphold", "reject"):
        return await PAGE.refuse(act, "Choose to uphold or to reject the appeal.")

    def run() -> None:
        _service(act.request, act.user).resolve_appeal(
            appeal_id, by=act.user.name, upheld=decision == "uphold", resolution=resolution
        )

    return await PAGE.act(act, "appeals", run, 409)


@router.post("/console/blocklists/{name}/publish", name="console.blocklist_publish")
async def publish(act: Act) -> Response:
    return await PAGE.act(act, "versions", lambda: _service(act.request, act.user).publish(act.name))
