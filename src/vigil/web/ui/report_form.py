"""The public report form: plain HTML that works without JavaScript, no login, CSRF-protected, rate
limited per address; the reporter's contact is optional.

CSRF protection is a signed double-submit token: the page sets a random nonce in a SameSite=Strict,
HttpOnly cookie and puts ``time.nonce.mac`` in a hidden field; a POST is accepted only when the field's
MAC (keyed from the evidence key, so every API process agrees) is valid, fresh, and names the cookie's
nonce. Another site can make a browser post the form but can neither read nor set that cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import time
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from vigil.hotline.evidence import load_key
from vigil.hotline.service import HotlineError, HotlineService
from vigil.web.context import context
from vigil.web.hotline import enqueue, web_hotline
from vigil.web.policy import public
from vigil.web.problems import Problem

router = APIRouter(tags=["public report form"], include_in_schema=False)

COOKIE: Final = "vigil_report_csrf"
TOKEN_SECONDS: Final = 2 * 3600
HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _key(request: Request) -> bytes:
    return hmac.new(load_key(context(request).settings), b"vigil-report-form-csrf", hashlib.sha256).digest()


def _mac(key: bytes, stamp: str, nonce: str) -> str:
    return hmac.new(key, f"{stamp}.{nonce}".encode(), hashlib.sha256).hexdigest()


def _token_ok(key: bytes, token: str, cookie: str | None, now: float) -> bool:
    parts = token.split(".")
    if len(parts) != 3 or cookie is None:
        return False
    stamp, nonce, mac = parts
    if not stamp.isdigit() or not hmac.compare_digest(nonce, cookie):
        return False
    if not 0 <= now - int(stamp) <= TOKEN_SECONDS:
        return False
    return hmac.compare_digest(mac, _mac(key, stamp, nonce))


def _page(title: str, body: str, status: int = 200, nonce: str | None = None) -> HTMLResponse:
    text = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}
label{{display:block;margin-top:1em}}input,textarea{{width:100%}}</style></head>
<body><h1>{html.escape(title)}</h1>{body}</body></html>"""
    response = HTMLResponse(text, status_code=status, headers=HEADERS)
    if nonce is not None:
        response.set_cookie(
            COOKIE, nonce, max_age=TOKEN_SECONDS, httponly=True, samesite="strict", path="/report"
        )
    return response


def _form(
    request: Request, error: str = "", url: str = "", description: str = "", status: int = 200
) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    stamp = str(int(time.time()))
    token = f"{stamp}.{nonce}.{_mac(_key(request), stamp, nonce)}"
    problem = f'<p role="alert"><strong>{html.escape(error)}</strong></p>' if error else ""
    body = f"""{problem}
<p>Report a web page that you believe shows child sexual abuse material. Do not send the material
itself and do not download it. You do not need to give your name.</p>
<form method="post" action="/report">
<input type="hidden" name="csrf" value="{html.escape(token)}">
<label for="url">Address (URL) of the page or image</label>
<input id="url" name="url" type="text" required maxlength="8192" value="{html.escape(url)}">
<label for="description">What did you see, and where did you find the link? (optional)</label>
<textarea id="description" name="description" rows="5" maxlength="10000">{html.escape(description)}</textarea>
<label for="contact">Your e-mail, if we may contact you (optional)</label>
<input id="contact" name="contact" type="text" maxlength="500">
<p><button type="submit">Send report</button></p>
</form>"""
    return _page("Report illegal content", body, status, nonce=nonce)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _refuse(request: Request, status: int, message: str, url: str, description: str) -> HTMLResponse:
    """The form again with the message for a browser; a problem document for any other client."""
    if not _wants_html(request):
        raise Problem(status, message)
    return _form(request, message, url, description, status=status)


@router.get("/report", name="hotline.form")
async def report_form(request: Request, _: Annotated[None, public()]) -> HTMLResponse:
    return _form(request)


@router.post("/report", name="hotline.form_submit")
async def submit_report(
    request: Request,
    _: Annotated[None, public()],
    url: Annotated[str, Form(max_length=8192)] = "",
    description: Annotated[str, Form(max_length=10_000)] = "",
    contact: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=300)] = "",
) -> HTMLResponse:
    web = web_hotline(request)
    address = request.client.host if request.client else "-"
    if web.form_limiter.take(f"form:{address}") > 0:
        if not _wants_html(request):
            raise Problem(429, "too many reports from this address", headers={"Retry-After": "60"})
        return _page("Please wait", "<p>Too many reports from your address; please try again later.</p>", 429)
    if not _token_ok(_key(request), csrf, request.cookies.get(COOKIE), time.time()):
        return _refuse(
            request,
            400,
            "The form expired or was not sent from this site. Please send it again.",
            url,
            description,
        )
    service = HotlineService(web.hotline, "public")
    try:
        done = await run_in_threadpool(
            service.submit,
            url,
            source="public",
            submitted_by="public",
            description=description,
            contact=contact.strip() or None,
        )
    except HotlineError:
        return _refuse(
            request, 422, "That does not look like a web address (http:// or https://).", url, description
        )
    if not done.duplicate:
        await run_in_threadpool(enqueue, web, done.case_id)
    body = f"<p>Thank you. Your report was received; its reference is {done.report_id}.</p>"
    response = _page("Report received", body)
    response.delete_cookie(COOKIE, path="/report")
    return response
