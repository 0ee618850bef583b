"""Rendering console pages: one Jinja2 environment per language (autoescaped, gettext installed),
the security headers every page carries, and the error page."""

from __future__ import annotations

import gettext
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Final

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request
from fastapi.responses import HTMLResponse

from vigil.auth.console import ConsoleUser
from vigil.web.console.nav import items_for

#: The languages shipped (a catalogue under locale/<code>/LC_MESSAGES/messages.po), with their own names.
LANGUAGES: Final = ("en", "fr")
LANGUAGE_NAMES: Final = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE: Final = "en"
#: No inline script or style, nothing from another host; previews are same-origin images and videos.
CSP: Final = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

_ENVS: dict[str, jinja2.Environment] = {}
_LOCK = threading.Lock()


def _translations(language: str) -> gettext.NullTranslations:
    """The language's catalogue, compiled from its .po file when first used (no binary in the repo)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    po = resources.files("vigil.web.console").joinpath("locale", language, "LC_MESSAGES", "messages.po")
    if not po.is_file():
        return gettext.NullTranslations()
    import io

    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def cell(value: Any) -> str:
    """A value as a table cell shows it: times to the minute in UTC, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def age(now: datetime, then: datetime) -> str:
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


def environment(language: str) -> jinja2.Environment:
    found = _ENVS.get(language)
    if found is not None:
        return found
    with _LOCK:
        if language not in _ENVS:
            env = jinja2.Environment(
                loader=jinja2.PackageLoader("vigil.web.console", "templates"),
                autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                extensions=["jinja2.ext.i18n"],
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.globals.update(cell=cell, age=age)
            env.install_gettext_translations(_translations(language), newstyle=True)  # type: ignore[attr-defined]
            _ENVS[language] = env
        return _ENVS[language]


def language_of(request: Request, user: ConsoleUser | None = None) -> str:
    """The user's chosen language, else the first supported one the browser asks for (Accept-Language),
    else English."""
    chosen = user.preferences.get("language") if user else None
    if chosen in LANGUAGES:
        return str(chosen)
    header = request.headers.get("accept-language", "")
    ranked = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((quality, tag.strip().lower().split("-")[0]))
    for _, tag in sorted(ranked, key=lambda x: -x[0]):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def page(
    request: Request,
    template: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    user: ConsoleUser | None = getattr(request.state, "console_user", None)
    language = language_of(request, user)
    values.setdefault("error", None)
    values.setdefault("notice", None)
    text = (
        environment(language)
        .get_template(template)
        .render(
            lang=language,
            user=user,
            nav=items_for(user.role) if user and user.signed_in else [],
            path=request.url.path,
            csrf=user.csrf if user else "",
            **values,
        )
    )
    return HTMLResponse(text, status_code=status, headers={**HEADERS, **(headers or {})})


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    return page(request, "error.html", status, message=message)
