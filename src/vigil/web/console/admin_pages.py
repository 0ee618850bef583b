"""Administration (admins only): staff and other users with their role, state, last sign-in and second
factor; change a role, disable or enable, reset the authenticator; each user's API tokens (made here,
the secret shown once; revoked here). The rules (not yourself, not the last admin; every change
journalled) are :class:`vigil.auth.service.UserService`'s and :class:`vigil.auth.console.ConsoleAuth`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import ROLE_DESCRIPTIONS, STAFF, Role
from vigil.auth.service import UnknownTokenError, UserService
from vigil.db.bounds import DB_INT_MAX
from vigil.errors import Conflict, Invalid, NotFound
from vigil.web.console import nav
from vigil.web.console.guard import console_auth, console_user
from vigil.web.console.render import page
from vigil.web.context import context

router = APIRouter(include_in_schema=False)
nav.register("Users", "/console/admin/users", (Role.admin,), rank=80)

Admin = Annotated[ConsoleUser, console_user(Role.admin)]
RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
USERS: Final = "/console/admin/users"
#: What a redirect after a change names: the template has one fixed message per key (nothing from
#: the URL is echoed).
DONE: Final = frozenset({"role", "disabled", "enabled", "totp", "revoked"})


def _users(request: Request, user: ConsoleUser) -> UserService:
    return UserService(context(request).sessions, user.actor, user_id=user.user_id)


async def _users_page(
    request: Request, user: ConsoleUser, done: str = "", error: str | None = None, status: int = 200
) -> Response:
    found = await run_in_threadpool(_users(request, user).accounts)
    return page(
        request,
        "admin_users.html",
        status,
        accounts=found,
        roles=[(r.value, ROLE_DESCRIPTIONS[r]) for r in Role],
        staff={r.value for r in STAFF},
        done=done if done in DONE else "",
        error=error,
    )


@router.get(USERS, name="console.admin_users")
async def users_page(
    request: Request, user: Admin, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return await _users_page(request, user, done)


async def _change(request: Request, user: ConsoleUser, done: str, change: Callable[[], None]) -> Response:
    """Run a change; a refusal re-renders the list with the reason (409 or 422), else back to it."""
    try:
        await run_in_threadpool(change)
    except NotFound as exc:
        return page(request, "error.html", 404, message=str(exc))
    except (Conflict, Invalid) as exc:
        message = str(exc)
        status = 409 if isinstance(exc, Conflict) else 422
        return await _users_page(request, user, error=message[:1].upper() + message[1:] + ".", status=status)
    return RedirectResponse(f"{USERS}?done={done}", status_code=303)


@router.post(USERS + "/{user_id}/role", name="console.admin_role")
async def change_role(
    request: Request, user: Admin, user_id: RowId, role: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    def change() -> None:
        _users(request, user).set_role(user_id, role)
        context(request).auth.forget(user_id=user_id)

    return await _change(request, user, "role", change)


@router.post(USERS + "/{user_id}/active", name="console.admin_active")
async def set_active(
    request: Request, user: Admin, user_id: RowId, active: Annotated[bool, Form()] = False
) -> Response:
    def change() -> None:
        _users(request, user).set_active(user_id, active)
        context(request).auth.forget(user_id=user_id)

    return await _change(request, user, "enabled" if active else "disabled", change)


@router.post(USERS + "/{user_id}/reset-totp", name="console.admin_reset_totp")
async def reset_totp(request: Request, user: Admin, user_id: RowId) -> Response:
    def change() -> None:
        console_auth(request).reset_totp(user_id, user.actor)

    return await _change(request, user, "totp", change)


async def _tokens_page(
    request: Request, user: ConsoleUser, user_id: int, status: int = 200, **values: Any
) -> Response:
    service = _users(request, user)

    def read() -> tuple[object, object]:
        return service.user(user_id), service.tokens(user_id)

    try:
        account, tokens = await run_in_threadpool(read)
    except NotFound as exc:
        return page(request, "error.html", 404, message=str(exc))
    values.setdefault("issued", None)
    values.setdefault("done", "")
    return page(request, "admin_tokens.html", status, account=account, tokens=tokens, **values)


@router.get(USERS + "/{user_id}", name="console.admin_user")
async def user_page(
    request: Request, user: Admin, user_id: RowId, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return await _tokens_page(request, user, user_id, done=done if done in DONE else "")


@router.post(USERS + "/{user_id}/tokens", name="console.admin_issue")
async def issue(request: Request, user: Admin, user_id: RowId) -> Response:
    """A new token: its secret is in this response only (no-store), never shown again."""
    try:
        issued = await run_in_threadpool(_users(request, user).issue_token, user_id)
    except NotFound as exc:
        return page(request, "error.html", 404, message=str(exc))
    return await _tokens_page(request, user, user_id, 201, issued=issued)


@router.post(USERS + "/{user_id}/tokens/{token_id}/revoke", name="console.admin_revoke")
async def revoke(request: Request, user: Admin, user_id: RowId, token_id: RowId) -> Response:
    service = _users(request, user)

    def change() -> None:
        if token_id not in {t.id for t in service.tokens(user_id)}:
            raise UnknownTokenError(f"no token {token_id} of user {user_id}")
        service.revoke_token(token_id)
        context(request).auth.forget(token_id=token_id)

    try:
        await run_in_threadpool(change)
    except NotFound as exc:
        return page(request, "error.html", 404, message=str(exc))
    return RedirectResponse(f"{USERS}/{user_id}?done=revoked", status_code=303)
