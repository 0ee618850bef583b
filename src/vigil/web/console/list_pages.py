"""Hash lists in the console (``/console/lists``): each list with its recipients and selection rules,
its versions with their sizes and digests, the difference of two versions, publishing, exports in every
registered format (imports with their dry-run preview are :mod:`.import_pages`).

Views translate forms to :class:`vigil.hashlists.service.HashDatabase` (which journals publishing,
exports and imports) and :mod:`vigil.hashlists.records.version_diff`. Roles are the API's for the same
actions: all staff read and export (``LISTS`` less the non-staff roles, who have no console), curators
publish (``CURATORS``).
"""

from __future__ import annotations

import threading
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF
from vigil.db.bounds import DB_INT_MAX
from vigil.errors import VigilError
from vigil.hashlists.lists import get_list
from vigil.hashlists.records.version_diff import VersionDiff, version_diff
from vigil.hashlists.service import HashDatabase
from vigil.web.console import nav
from vigil.web.console.forms import FormPage, found_or_404
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import context
from vigil.web.list_exports import export_response
from vigil.web.roles import CURATORS

router = APIRouter(include_in_schema=False)
nav.register("Lists", "/console/lists", tuple(STAFF), rank=62)

Staff = Annotated[ConsoleUser, console_user(*STAFF)]
Curator = Annotated[ConsoleUser, console_user(*CURATORS)]
ListName = Annotated[str, Path(max_length=200)]
Version = Annotated[int, Query(ge=1, le=DB_INT_MAX)]
#: Changes of a diff shown with their records (all are counted).
DIFF_ROWS: Final = 500


def _db(request: Request, user: ConsoleUser) -> HashDatabase:
    return HashDatabase(context(request).sessions, f"console:{user.name}")


@router.get("/console/lists", name="console.lists")
async def lists(request: Request, user: Staff) -> Response:
    found = await run_in_threadpool(_db(request, user).lists)
    return page(request, "lists.html", lists=found, may_curate=user.role in CURATORS)


async def _list_page(
    request: Request,
    user: ConsoleUser,
    name: str,
    *,
    error: str | None = None,
    published: int | None = None,
    status: int = 200,
) -> Response:
    found = await found_or_404(request, lambda: _db(request, user).show(name))
    if isinstance(found, Response):
        return found
    return page(
        request,
        "list.html",
        status,
        d=found,
        rules=found.info.rules.to_json(),
        formats=sorted(context(request).formats),
        may_curate=user.role in CURATORS,
        error=error,
        published=published,
    )


def _refused(request: Request, user: ConsoleUser, name: str) -> FormPage:
    async def again(message: str, status: int) -> Response:
        return await _list_page(request, user, name, error=message, status=status)

    return FormPage(again)


@router.get("/console/lists/{name}", name="console.list")
async def hash_list(
    request: Request,
    user: Staff,
    name: ListName,
    published: Annotated[int | None, Query(ge=0, le=DB_INT_MAX)] = None,
) -> Response:
    return await _list_page(request, user, name, published=published)


@router.post("/console/lists/{name}/publish", name="console.list_publish")
async def publish(request: Request, user: Curator, name: ListName) -> Response:
    ctx = context(request)
    result = await _refused(request, user, name).attempt(request, lambda: _db(request, user).publish(name))
    if isinstance(result, Response):
        return result
    if result.new_version:  # the matcher serves the new version at once, as after the API's publish
        threading.Thread(
            target=ctx.matcher.refresh_quietly, name="vigil-matcher-refresh", daemon=True
        ).start()
    shown = result.version if result.new_version else 0
    return RedirectResponse(f"/console/lists/{quote(name)}?published={shown}#versions", status_code=303)


@router.get("/console/lists/{name}/diff", name="console.list_diff")
async def diff(request: Request, user: Staff, name: ListName, old: Version, new: Version) -> Response:
    def read() -> VersionDiff:
        with context(request).sessions() as session:
            return version_diff(session, get_list(session, name), old, new, DIFF_ROWS)

    found = await _refused(request, user, name).attempt(request, read)
    if isinstance(found, Response):
        return found
    return page(request, "list_diff.html", diff=found)


@router.get("/console/lists/{name}/export", name="console.list_export")
async def export(
    request: Request,
    user: Staff,
    name: ListName,
    fmt: Annotated[str, Query(alias="format", max_length=50)],
    version: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
) -> Response:
    """A published version as a file (streamed; journalled by the service as ``hashlists.export``)."""
    chosen = context(request).formats.get(fmt)
    if chosen is None:
        return await _list_page(request, user, name, error=f"Unknown format {fmt!r}.", status=422)
    try:
        return await export_response(_db(request, user), name, chosen, version)
    except VigilError as exc:  # streamed from its own thread, so not through attempt()
        return await _refused(request, user, name).refusal(request, exc)
