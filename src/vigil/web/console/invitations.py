"""Invitations: an admin makes a single-use link for a staff user (shown once); the user opens it, sets a
password and enrols an authenticator. The rules live in :class:`vigil.auth.invitations.Invitations`.

The link's page has no session yet: its form carries the same signed double-submit token as sign-in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.auth.invitations import InvalidInvitationError, InvitationError, Invitations
from vigil.auth.roles import STAFF, Role
from vigil.auth.service import AuthError, UserService
from vigil.web.console import nav
from vigil.web.console.guard import address, console_auth, console_user
from vigil.web.console.render import page
from vigil.web.console.sign_in import pre_csrf, pre_csrf_ok, set_pre_cookie
from vigil.web.context import context
from vigil.web.policy import public

router = APIRouter(include_in_schema=False)
nav.register("Invitations", "/console/admin/invitations", (Role.admin,))

Admin = Annotated[ConsoleUser, console_user(Role.admin)]
Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
HOURS: Final = (24, 72, 168)


def _invitations(request: Request) -> Invitations:
    return Invitations(console_auth(request))


def _staff(request: Request, user: ConsoleUser) -> list[str]:
    users = UserService(context(request).sessions, user.actor).users()
    return [u.name for u in users if u.role in STAFF and u.active]


@router.get("/console/admin/invitations", name="console.invitations")
async def invitations_page(request: Request, user: Admin) -> Response:
    staff = await run_in_threadpool(_staff, request, user)
    return page(request, "invitations.html", staff=staff, hours=HOURS, link=None)


@router.post("/console/admin/invitations", name="console.invite")
async def invite(
    request: Request,
    user: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    hours: Annotated[int, Form(ge=1, le=720)] = 72,
) -> Response:
    staff = await run_in_threadpool(_staff, request, user)
    try:
        made = await run_in_threadpool(_invitations(request).invite, name, user.actor, timedelta(hours=hours))
    except AuthError as exc:
        return page(request, "invitations.html", 422, staff=staff, hours=HOURS, link=None, error=str(exc))
    url = made.url(str(request.base_url))
    return page(request, "invitations.html", staff=staff, hours=HOURS, link=url, invited=made)


def _link_page(request: Request, token: str, error: str | None = None, status: int = 200) -> Response:
    try:
        found = _invitations(request).open(token)
    except InvalidInvitationError as exc:
        return page(request, "error.html", 404, message=str(exc).capitalize() + ".")
    nonce, csrf_token = pre_csrf(request)
    response = page(request, "invite.html", status, invitation=found, pre_csrf=csrf_token, error=error)
    set_pre_cookie(request, response, nonce)
    return response


@router.get("/console/invite/{token}", name="console.invitation")
async def invitation(request: Request, _: Annotated[None, public()], token: Token) -> Response:
    return await run_in_threadpool(_link_page, request, token)


@router.post("/console/invite/{token}", name="console.invitation_accept")
async def accept(
    request: Request,
    _: Annotated[None, public()],
    token: Token,
    password: Annotated[str, Form(max_length=1024)] = "",
    password_again: Annotated[str, Form(max_length=1024)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not pre_csrf_ok(request, csrf):
        return await run_in_threadpool(
            _link_page, request, token, "The form expired or did not come from this console. Try again.", 400
        )
    if password != password_again:
        return await run_in_threadpool(_link_page, request, token, "The two passwords differ.", 422)
    try:
        name = await run_in_threadpool(_invitations(request).accept, token, password, code, address(request))
    except InvalidInvitationError as exc:
        return page(request, "error.html", 404, message=str(exc).capitalize() + ".")
    except InvitationError as exc:
        message = str(exc)
        return await run_in_threadpool(
            _link_page, request, token, message[:1].upper() + message[1:] + ".", 422
        )
    return page(request, "invite_done.html", name=name)
