"""The analyst's own settings (hide previews entirely) and the break the console suggests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF
from vigil.web.console import nav
from vigil.web.console.guard import console_auth, console_user
from vigil.web.console.render import LANGUAGE_NAMES, LANGUAGES, page

router = APIRouter(include_in_schema=False)
nav.register("Preferences", "/console/preferences", tuple(STAFF))

Staff = Annotated[ConsoleUser, console_user(*STAFF)]


@router.get("/console/preferences", name="console.preferences")
async def preferences(request: Request, user: Staff) -> Response:
    return page(
        request,
        "preferences.html",
        hide_previews=bool(user.preferences.get("hide_previews")),
        language=user.preferences.get("language") or "",
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )


@router.post("/console/preferences", name="console.preferences_submit")
async def save_preferences(
    request: Request,
    user: Staff,
    hide_previews: Annotated[bool, Form()] = False,
    language: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    auth = console_auth(request)
    await run_in_threadpool(auth.set_preference, user, "hide_previews", hide_previews)
    # Anything but a shipped language means "as the browser asks".
    chosen = language if language in LANGUAGES else None
    await run_in_threadpool(auth.set_preference, user, "language", chosen)
    return RedirectResponse("/console/preferences?saved=1", status_code=303)


@router.post("/console/break", name="console.break")
async def take_break(request: Request, user: Staff) -> Response:
    """The analyst took (or chose) a break: the review clock starts again at the next case."""
    await run_in_threadpool(console_auth(request).reviewing, user, False)
    return page(request, "break.html")
