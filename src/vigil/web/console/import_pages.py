"""Importing a hash set from the console (``/console/imports``): a dry run first, then the import.

*Preview* runs :meth:`vigil.hashlists.service.HashDatabase.import_file` with ``dry_run=True`` (the
whole import, rolled back: nothing written or journalled) and keeps the uploaded file, with the
options it was previewed with, under ``data_dir/console-imports/<token>/`` for the analyst who sent
it. *Import this file* imports exactly that file with those options (all or nothing, journalled as
``hashlists.import``) and deletes it; a kept file is also deleted after :data:`KEEP` unused. An
import straight from the form (choosing the file again) works too. Curators only, as publishing:
the API offers no import, the CLI does.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.errors import Conflict, Invalid, NotFound
from vigil.formats.limits import limits_of
from vigil.hashlists.records import details
from vigil.hashlists.service import HashDatabase
from vigil.hashlists.summary import ImportSummary
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import AppContext, context
from vigil.web.roles import CURATORS

router = APIRouter(include_in_schema=False)

Curator = Annotated[ConsoleUser, console_user(*CURATORS)]
Token = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{32}$")]
#: How long a previewed file waits for its import.
KEEP: Final = 3600.0
_PIECE: Final = 1 << 20
_META: Final = "meta.json"


def _kept(ctx: AppContext) -> Path:
    return ctx.settings.data_dir / "console-imports"


def _clean(folder: Path, now: float) -> None:
    """Kept uploads nobody imported within :data:`KEEP` are deleted."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        meta = entry / _META
        try:
            stale = now - meta.stat().st_mtime > KEEP
        except FileNotFoundError:
            stale = now - entry.stat().st_mtime > KEEP
        if stale:
            shutil.rmtree(entry, ignore_errors=True)


def _choices(ctx: AppContext) -> tuple[list[str], list[str], list[str]]:
    """Contributors, schemes and list names the import form offers."""
    with ctx.sessions() as session:
        choices = details.vote_choices(session)
    names = [info.name for info in HashDatabase(ctx.sessions, "console").lists()]
    return choices.contributors, list(choices.schemes), names


async def _import_page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    summary: ImportSummary | None = None,
    token: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    ctx = context(request)
    contributors, schemes, names = await run_in_threadpool(_choices, ctx)
    return page(
        request,
        "list_import.html",
        status,
        formats=sorted(ctx.formats),
        contributors=contributors,
        schemes=schemes,
        lists=names,
        form=form or {"format": "vics", "contributor": "", "list": "", "scheme": "vics-us"},
        summary=summary,
        token=token,
        error=error,
    )


@router.get("/console/imports", name="console.import_form")
async def import_form(request: Request, user: Curator) -> Response:
    return await _import_page(request)


async def _spool(file: UploadFile, folder: Path, limit: int) -> Path:
    """The upload on disk under its own (cleaned) name, which the import's summary and journal show."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(file.filename or "upload").name)[-100:].lstrip(".")
    path = folder / (name or "upload")
    total = 0
    with path.open("wb") as out:
        while piece := await file.read(_PIECE):
            total += len(piece)
            if total > limit:
                raise Invalid(f"the file is larger than {limit} bytes: import it with `vigil lists import`")
            await run_in_threadpool(out.write, piece)
    if not total:
        raise Invalid("the file is empty")
    return path


def _run(
    request: Request, user: ConsoleUser, path: Path, form: dict[str, str], dry_run: bool
) -> ImportSummary:
    ctx = context(request)
    known = _choices(ctx)[0]
    if form["contributor"] not in known:  # the CLI may register one on import; the form only picks
        raise Invalid(f"unknown contributor {form['contributor']!r}")
    chosen = ctx.formats.get(form["format"])
    if chosen is None:
        raise Invalid(f"unknown format {form['format']!r}")
    return HashDatabase(ctx.sessions, f"console:{user.name}").import_file(
        path,
        chosen,
        form["contributor"],
        list_name=form["list"].strip() or None,
        scheme=form["scheme"],
        limits=limits_of(ctx.settings),
        dry_run=dry_run,
    )


@router.post("/console/imports", name="console.import")
async def import_upload(
    request: Request,
    user: Curator,
    file: Annotated[UploadFile, File()],
    fmt: Annotated[str, Form(alias="format", max_length=50)] = "",
    contributor: Annotated[str, Form(max_length=200)] = "",
    list_name: Annotated[str, Form(alias="list", max_length=200)] = "",
    scheme: Annotated[str, Form(max_length=100)] = "vics-us",
    action: Annotated[str, Form(max_length=20)] = "preview",
) -> Response:
    """``action=preview``: the dry run, the file kept for *Import this file*; ``action=import``: the
    import at once."""
    ctx = context(request)
    form = {"format": fmt, "contributor": contributor, "list": list_name, "scheme": scheme}
    if not fmt or not contributor:
        return await _import_page(request, form=form, error="Choose a format and a contributor.", status=422)
    dry_run = action != "import"
    token = secrets.token_urlsafe(24)
    folder = _kept(ctx) / token
    await run_in_threadpool(_clean, _kept(ctx), time.time())
    folder.mkdir(parents=True)
    try:
        path = await _spool(file, folder, ctx.settings.api_max_upload_bytes)
        summary = await run_in_threadpool(_run, request, user, path, form, dry_run)
    except (Invalid, NotFound, Conflict) as exc:  # a broken file, an unknown contributor or scheme
        shutil.rmtree(folder, ignore_errors=True)
        return await _import_page(request, form=form, error=f"{exc}; nothing was imported.", status=422)
    if not dry_run or not summary.changed:
        shutil.rmtree(folder, ignore_errors=True)
        return await _import_page(request, form=form, summary=summary)
    meta = {"user": user.name, "file": path.name, "file_digest": summary.sha256, **form}
    (folder / _META).write_text(json.dumps(meta), encoding="utf-8")
    return await _import_page(request, form=form, summary=summary, token=token)


def _take(ctx: AppContext, user: ConsoleUser, token: str) -> tuple[Path, dict[str, Any]] | None:
    """The kept file and its options, if this user previewed it and it is still kept."""
    folder = _kept(ctx) / token
    try:
        meta: dict[str, Any] = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if meta.get("user") != user.name or time.time() - (folder / _META).stat().st_mtime > KEEP:
        return None
    return folder / str(meta["file"]), meta


@router.post("/console/imports/{token}", name="console.import_kept")
async def import_kept(request: Request, user: Curator, token: Token) -> Response:
    """Import the file previewed under ``token``, with the options it was previewed with."""
    ctx = context(request)
    found = await run_in_threadpool(_take, ctx, user, token)
    if found is None:
        return await _import_page(
            request, error="That preview is no longer kept: choose the file again.", status=404
        )
    path, meta = found
    form = {key: str(meta[key]) for key in ("format", "contributor", "list", "scheme")}
    try:
        summary = await run_in_threadpool(_run, request, user, path, form, False)
    except (Invalid, NotFound, Conflict) as exc:
        return await _import_page(request, form=form, error=f"{exc}; nothing was imported.", status=422)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return await _import_page(request, form=form, summary=summary)
