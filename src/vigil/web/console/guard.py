"""Who may see a console page: a live server-side session at the full (second-factor) stage, of a staff
role the page allows, and on every unsafe method the session's CSRF token.

The policy is a :class:`vigil.web.policy.Policy` like the API's, so the app's start-up check and the
authorization-matrix test see every console route. API tokens open nothing here: the console reads
its own cookie only.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.auth.console import ConsoleAuth, ConsolePolicy, ConsoleUser
from vigil.auth.roles import Role
from vigil.auth.secret_seal import SealError, SecretSeal
from vigil.hotline.evidence import load_key
from vigil.web.context import context
from vigil.web.policy import Policy

COOKIE: Final = "vigil_console"
COOKIE_PATH: Final = "/console"
SIGN_IN: Final = "/console/sign-in"
UNSAFE: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER: Final = "x-csrf-token"


class NotSignedInError(Exception):
    """Answered with a redirect to the sign-in page (see :func:`install_handlers`)."""


class ForbiddenPageError(Exception):
    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


def console_auth(request: Request) -> ConsoleAuth:
    state = request.app.state
    found = getattr(state, "console_auth", None)
    if isinstance(found, ConsoleAuth):
        return found
    settings = context(request).settings
    policy = ConsolePolicy(
        idle=_minutes(settings.console_idle_minutes),
        max_life=_minutes(settings.console_max_hours * 60),
        backoff=_seconds(settings.console_signin_backoff_seconds),
        issuer=settings.hotline_name,
    )
    seal = SecretSeal(load_key(settings))
    found = ConsoleAuth(context(request).sessions, policy, seal=seal)
    state.console_auth = found
    return found


def _minutes(value: float) -> Any:
    from datetime import timedelta

    return timedelta(minutes=value)


def _seconds(value: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=value)


def secure_cookie(request: Request) -> bool:
    configured = context(request).settings.console_secure_cookie
    if configured is not None:
        return configured
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path=COOKIE_PATH,
    )


def address(request: Request) -> str:
    return request.client.host if request.client else "-"


async def csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


class ConsoleSessionPolicy(Policy):
    """A console page's policy: session cookie, full stage, one of ``roles``, CSRF on unsafe methods."""

    console = True

    def __init__(self, roles: Iterable[Role]) -> None:
        self.roles = frozenset(roles)
        if not self.roles:
            raise ValueError("a console page is open to at least one role")

    async def __call__(self, request: Request) -> ConsoleUser:
        token = request.cookies.get(COOKIE, "")
        user = await run_in_threadpool(console_auth(request).current, token) if token else None
        if user is None or not user.signed_in:
            raise NotSignedInError
        if request.method in UNSAFE and not await csrf_ok(request, user.csrf):
            raise ForbiddenPageError(
                "The form expired or did not come from this console. Go back and try again."
            )
        if user.role not in self.roles:
            raise ForbiddenPageError(f"The {user.role.value} role may not use this page.")
        request.state.console_user = user
        return user

    def __repr__(self) -> str:
        return f"console({', '.join(sorted(r.value for r in self.roles))})"


def console_user(*roles: Role) -> Any:
    return Depends(ConsoleSessionPolicy(roles))


def install_handlers(app: FastAPI) -> None:
    from vigil.web.console.render import error_page

    async def not_signed_in(request: Request, exc: Exception) -> Response:
        target = request.url.path if request.method == "GET" else "/console/queue"
        response = RedirectResponse(f"{SIGN_IN}?next={quote(target, safe='/')}", status_code=303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ForbiddenPageError)
        return error_page(request, str(exc), exc.status)

    async def unsealable(request: Request, exc: Exception) -> Response:
        return error_page(
            request,
            "The console cannot read the stored authenticator secrets (was the evidence key changed?). "
            "Tell an administrator.",
            503,
        )

    app.add_exception_handler(NotSignedInError, not_signed_in)
    app.add_exception_handler(SealError, unsealable)
    app.add_exception_handler(ForbiddenPageError, forbidden)
