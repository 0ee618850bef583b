"""URL blocklists and the keyword list for ISPs and search engines (the isp role), signed, with ETags.

``GET /api/v1/blocklists/{name}.{format}`` serves the latest version (or with ``?since=N`` the changes
since serial N) in rpz, hosts, proxy or json; ``….{format}.sig`` is its detached Ed25519 signature,
also sent as the ``X-Vigil-Signature`` header. The public key is at ``/.well-known/vigil-blocklist-key``.
A consumer that sends back the ETag it holds gets 304 without anything being rendered; one that is
already at the latest serial gets 204. Every download is journaled: the lists say where abuse
material is, so who fetched which version is on record.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from vigil.auth.authenticate import Principal
from vigil.auth.roles import Role
from vigil.blocklists.keyword_diff import keyword_diff_to_json
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.keywords import keywords_to_json
from vigil.blocklists.lists import DEFAULT_KEYWORD_LIST, BlocklistError
from vigil.blocklists.service import BlocklistService
from vigil.blocklists.signed_exports import (
    FORMATS,
    INCREMENTAL,
    SIGNATURE_MEDIA_TYPE,
    Exporter,
    ExportError,
    SignedExport,
    check_format,
)
from vigil.db.bounds import DB_BIGINT_MAX
from vigil.signing import key_id, public_key_to_pem, sign
from vigil.signing.keyfile import load_or_create_signing_key, signing_key_path
from vigil.web.context import AppContext, Ctx
from vigil.web.policy import public, require
from vigil.web.problems import PROBLEM_RESPONSES, bad_request

router = APIRouter(tags=["blocklists"], responses=PROBLEM_RESPONSES)
#: Served at the site's root, beside the API: where consumers look for the key that signs the lists.
well_known = APIRouter(tags=["blocklists"])

KEY_PATH: Final = "/.well-known/vigil-blocklist-key"
ListName = Annotated[str, Path(max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Format = Annotated[str, Path(description=f"One of {', '.join(FORMATS)}.")]
Since = Annotated[
    int | None,
    Query(
        ge=0, le=DB_BIGINT_MAX, description="The serial the caller holds: only the changes since (rpz, json)."
    ),
]
ISP: Final = Role.isp


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether If-None-Match names ``etag`` (weak or strong, in a list, or ``*``)."""
    if not header:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def _exporter(ctx: AppContext, who: Principal) -> Exporter:
    return Exporter.from_settings(ctx.settings, BlocklistService(ctx.sessions, who.actor))


def _signed(ctx: AppContext, who: Principal, name: str, fmt: str, since: int | None) -> SignedExport | None:
    """The export; None when the caller already holds the latest serial (``since``)."""
    try:
        return _exporter(ctx, who).export(name, fmt, since=since)
    except BlocklistError as exc:
        raise bad_request(exc) from None


def _up_to_date(serial: int) -> Response:
    return Response(status_code=204, headers={"X-Vigil-Serial": str(serial)})


def _download_etag(
    ctx: AppContext, who: Principal, name: str, fmt: str, since: int | None
) -> tuple[str, int]:
    exporter = _exporter(ctx, who)
    try:
        chosen = check_format(fmt)
        if since is not None and chosen not in INCREMENTAL:
            raise ExportError(f"the {chosen} format has no incremental form: use rpz or json with since")
        serial = exporter.service.latest_serial(name)
    except BlocklistError as exc:
        raise bad_request(exc) from None
    return exporter.etag(name, chosen, serial, since), serial


IspReading = Annotated[Principal, require(ISP, audit="read")]


@router.get(
    "/blocklists/{name}.{fmt}.sig",
    name="blocklists.signature",
    response_class=Response,
    responses={200: {"content": {SIGNATURE_MEDIA_TYPE: {}}}},
)
def signature(who: IspReading, ctx: Ctx, name: ListName, fmt: Format, since: Since = None) -> Response:
    """The detached signature (``vigil-ed25519 <key id> <base64>``) of the same download."""
    export = _signed(ctx, who, name, fmt, since)
    if export is None:
        return _up_to_date(since or 0)
    return Response(export.signature, media_type=SIGNATURE_MEDIA_TYPE, headers={"ETag": export.etag})


@router.get(
    "/blocklists/{name}.{fmt}",
    name="blocklists.download",
    response_class=FileResponse,
    responses={
        200: {"content": {"text/dns": {}, "text/plain": {}, "application/json": {}}},
        304: {},
        204: {},
    },
)
async def download(
    who: IspReading,
    ctx: Ctx,
    request: Request,
    name: ListName,
    fmt: Format,
    since: Since = None,
) -> Response:
    """The latest version of a URL list, or its changes since serial ``since``; signed."""
    etag, serial = await run_in_threadpool(_download_etag, ctx, who, name, fmt, since)
    headers = {"ETag": etag, "X-Vigil-Serial": str(serial), "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    export = await run_in_threadpool(_signed, ctx, who, name, fmt, since)
    if export is None:
        return _up_to_date(serial)
    headers["X-Vigil-Signature"] = export.signature.strip()
    headers["Link"] = f'<{request.url.path}.sig>; rel="signature"'
    return FileResponse(export.path, media_type=export.media_type, filename=export.filename, headers=headers)


def _keyword_document(ctx: AppContext, who: Principal, list_name: str, since: int | None) -> tuple[str, int]:
    service = KeywordService(ctx.sessions, who.actor)
    try:
        latest = service.version(list_name)
        if since is not None and since > latest.serial:
            raise BlocklistError(f"serial {since} is not between 0 and {latest.serial}")
        if since == latest.serial:
            return "", latest.serial
        text = (
            keywords_to_json(latest)
            if since is None
            else keyword_diff_to_json(service.diff(list_name, since))
        )
    except BlocklistError as exc:
        raise bad_request(exc) from None
    return text, latest.serial


def _keyword_response(
    ctx: AppContext, who: Principal, request: Request, list_name: str, since: int | None
) -> Response:
    text, serial = _keyword_document(ctx, who, list_name, since)
    if not text:
        return _up_to_date(serial)
    key = load_or_create_signing_key(signing_key_path(ctx.settings))
    data = text.encode("utf-8")
    etag = '"' + hashlib.sha256(data + key_id(key.public_key()).encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "X-Vigil-Serial": str(serial), "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    signature = sign(data, key)
    if request.url.path.endswith(".sig"):
        return Response(signature, media_type=SIGNATURE_MEDIA_TYPE, headers=headers)
    headers["X-Vigil-Signature"] = signature.strip()
    return Response(data, media_type="application/json", headers=headers)


KeywordList = Annotated[str, Query(alias="list", max_length=63, description="The keyword list.")]


@router.get("/keywords", name="keywords.download", response_class=Response)
@router.get("/keywords.sig", name="keywords.signature", response_class=Response)
def keywords(
    who: IspReading,
    ctx: Ctx,
    request: Request,
    since: Since = None,
    list_name: KeywordList = DEFAULT_KEYWORD_LIST,
) -> Response:
    """The latest keyword list (terms, match modes, warnings, help), or its changes since ``since``;
    at ``keywords.sig``, the detached signature of the same download."""
    return _keyword_response(ctx, who, request, list_name, since)


@well_known.get(KEY_PATH, name="blocklists.key", response_class=Response)
def public_key(_: Annotated[None, public()], ctx: Ctx) -> Response:
    """The Ed25519 public key (PEM) that verifies every list this instance publishes."""
    key = load_or_create_signing_key(signing_key_path(ctx.settings)).public_key()
    return Response(
        public_key_to_pem(key),
        media_type="application/x-pem-file",
        headers={"X-Vigil-Key-Id": key_id(key), "Cache-Control": "public, max-age=3600"},
    )
