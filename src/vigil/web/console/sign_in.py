"""Signing in to the console: name and password, then the TOTP code (enrolling the authenticator the
first time, from a QR code drawn on this server), then a fresh session; and signing out.

The sign-in form has no session yet, so its CSRF token is a signed double-submit: a random nonce in a
SameSite=Strict, HttpOnly cookie and its HMAC in the form (as on the public report form).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.auth.console import BackoffError, ConsoleUser, SignInError
from vigil.auth.roles import STAFF
from vigil.hotline.evidence import load_key
from vigil.web.console.guard import (
    COOKIE,
    COOKIE_PATH,
    address,
    console_auth,
    console_user,
    csrf_ok,
    secure_cookie,
    set_session_cookie,
)
from vigil.web.console.render import page
from vigil.web.context import context
from vigil.web.policy import public

router = APIRouter(include_in_schema=False)

PRE_COOKIE: Final = "vigil_console_pre"
HOME: Final = "/console/queue"


def _mac(request: Request, nonce: str) -> str:
    key = hmac.new(load_key(context(request).settings), b"vigil-console-sign-in", hashlib.sha256).digest()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def _next(target: str | None) -> str:
    """Only a console path: a sign-in link must not send anyone elsewhere."""
    if target and target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return HOME


def pre_csrf(request: Request) -> tuple[str, str]:
    """A nonce for the pre-session cookie and the form's token (its HMAC), for forms before a session."""
    nonce = secrets.token_urlsafe(16)
    return nonce, _mac(request, nonce)


def set_pre_cookie(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        PRE_COOKIE,
        nonce,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path=COOKIE_PATH,
    )


def pre_csrf_ok(request: Request, csrf: str) -> bool:
    nonce = request.cookies.get(PRE_COOKIE, "")
    return bool(nonce) and hmac.compare_digest(csrf.encode(), _mac(request, nonce).encode())


def _form(request: Request, error: str | None = None, status: int = 200, target: str = HOME) -> Response:
    nonce, token = pre_csrf(request)
    response = page(request, "sign_in.html", status, error=error, pre_csrf=token, next=_next(target))
    set_pre_cookie(request, response, nonce)
    return response


@router.get("/console", name="console.home")
async def home(_: Annotated[None, public()]) -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get("/console/sign-in", name="console.sign_in")
async def sign_in_page(
    request: Request, _: Annotated[None, public()], next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    return _form(request, target=next or HOME)


@router.post("/console/sign-in", name="console.sign_in_submit")
async def sign_in(
    request: Request,
    _: Annotated[None, public()],
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = HOME,
) -> Response:
    if not pre_csrf_ok(request, csrf):
        return _form(
            request, "The form expired or did not come from this console. Please sign in again.", 400
        )
    try:
        token = await run_in_threadpool(console_auth(request).sign_in, name, password, address(request))
    except BackoffError as exc:
        return _form(request, str(exc), 429, next)
    except SignInError:
        return _form(request, "Name or password not accepted.", 401, next)
    response = RedirectResponse(f"/console/second-factor?next={_next(next)}", status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(PRE_COOKIE, path=COOKIE_PATH)
    return response


async def _pending(request: Request) -> tuple[str, ConsoleUser] | None:
    token = request.cookies.get(COOKIE, "")
    user = await run_in_threadpool(console_auth(request).current, token) if token else None
    if user is None or user.signed_in:
        return None
    return token, user


@router.get("/console/second-factor", name="console.second_factor")
async def second_factor_page(
    request: Request, _: Annotated[None, public()], next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    pending = await _pending(request)
    if pending is None:
        return RedirectResponse("/console/sign-in", status_code=303)
    token, user = pending
    enrolment = await run_in_threadpool(console_auth(request).enrolment, token)
    return page(
        request,
        "second_factor.html",
        enrolment=enrolment,
        pending=user,
        next=_next(next),
        csrf_pending=user.csrf,
    )


@router.post("/console/second-factor", name="console.second_factor_submit")
async def second_factor(
    request: Request,
    _: Annotated[None, public()],
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=500)] = HOME,
) -> Response:
    pending = await _pending(request)
    if pending is None:
        return RedirectResponse("/console/sign-in", status_code=303)
    token, user = pending
    if not await csrf_ok(request, user.csrf):
        return RedirectResponse("/console/sign-in", status_code=303)
    auth = console_auth(request)
    try:
        full = await run_in_threadpool(auth.second_factor, token, code, address(request))
    except SignInError as exc:
        status = 429 if isinstance(exc, BackoffError) else 401
        enrolment = await run_in_threadpool(auth.enrolment, token)
        message = str(exc) if isinstance(exc, BackoffError) else "That code was not accepted."
        return page(
            request,
            "second_factor.html",
            status,
            enrolment=enrolment,
            pending=user,
            next=_next(next),
            csrf_pending=user.csrf,
            error=message,
        )
    response = RedirectResponse(_next(next), status_code=303)
    set_session_cookie(request, response, full)
    return response


@router.post("/console/sign-out", name="console.sign_out")
async def sign_out(request: Request, _: Annotated[object, console_user(*STAFF)]) -> Response:
    await run_in_threadpool(console_auth(request).sign_out, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response
