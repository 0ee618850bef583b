"""The keyword list for search engines in the console (``/console/keywords``): each term with its
language, match mode, the warning a search engine shows and the help it points to; proposals awaiting a
second analyst; the published versions with their digests and signatures.

Actions are :class:`vigil.blocklists.keyword_service.KeywordService`'s (journalled under
``keywords.*``); the two-analyst rule is the service's, shown here as on the URL lists' page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, get_args

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.keywords import HelpResource, Keyword, KeywordError, MatchMode, keywords_to_json
from vigil.blocklists.lists import DEFAULT_KEYWORD_LIST, BlocklistError, same_person
from vigil.blocklists.signed_exports import KEEP_SERIALS
from vigil.signing import key_id, sign
from vigil.signing.keyfile import load_or_create_signing_key, signing_key_path
from vigil.web.console.blocklist_pages import KEY_PATH, SignedVersion, parse_when
from vigil.web.console.guard import console_user
from vigil.web.console.render import page
from vigil.web.context import context
from vigil.web.roles import CURATORS

router = APIRouter(include_in_schema=False)

Staff = Annotated[ConsoleUser, console_user(*STAFF)]
Curator = Annotated[ConsoleUser, console_user(*CURATORS)]
ListName = Annotated[str, Path(max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Language = Annotated[str, Form(max_length=35)]


@dataclass(frozen=True)
class Term:
    keyword: Keyword
    added_by: str
    confirmed_by: str | None
    #: The signed-in user proposed it (and may not confirm it).
    mine: bool


@dataclass(frozen=True)
class KeywordView:
    names: list[str]
    terms: list[Term]
    versions: list[SignedVersion]
    key_id: str


def _service(request: Request, user: ConsoleUser) -> KeywordService:
    return KeywordService(context(request).sessions, f"console:{user.name}")


def _read(request: Request, user: ConsoleUser, name: str) -> KeywordView:
    service = _service(request, user)
    key = load_or_create_signing_key(signing_key_path(context(request).settings))
    names = service.list_names()
    if name not in names:
        return KeywordView(names, [], [], key_id(key.public_key()))
    terms = [Term(k, by, confirmed, same_person(user.name, by)) for k, by, confirmed in service.entries(name)]
    versions: list[SignedVersion] = []
    infos = service.versions(name)
    for info in reversed(infos):
        if info.serial <= infos[-1].serial - KEEP_SERIALS:
            versions.append(SignedVersion(info, {}))
            continue
        try:  # the signature of the same document the API serves to search engines
            document = keywords_to_json(service.version(name, info.serial)).encode("utf-8")
            versions.append(SignedVersion(info, {"json": sign(document, key).strip()}))
        except BlocklistError as exc:
            versions.append(SignedVersion(info, {}, str(exc)))
    return KeywordView(names, terms, versions, key_id(key.public_key()))


async def _page(
    request: Request, user: ConsoleUser, name: str, error: str | None = None, status: int = 200
) -> Response:
    try:
        view = await run_in_threadpool(_read, request, user, name)
    except BlocklistError as exc:
        return page(request, "error.html", 404, message=str(exc))
    return page(
        request,
        "keywords.html",
        status,
        name=name,
        v=view,
        modes=get_args(MatchMode),
        may_act=user.role in CURATORS,
        key_path=KEY_PATH,
        error=error,
    )


@router.get("/console/keywords", name="console.keywords")
async def keywords(
    request: Request,
    user: Staff,
    list_name: Annotated[str, Query(alias="list", max_length=63)] = DEFAULT_KEYWORD_LIST,
) -> Response:
    return await _page(request, user, list_name)


async def _act(
    request: Request, user: ConsoleUser, name: str, action: Callable[[], object], status: int = 422
) -> Response:
    try:
        await run_in_threadpool(action)
    except (BlocklistError, KeywordError) as exc:
        return await _page(request, user, name, str(exc), status)
    return RedirectResponse(f"/console/keywords?list={name}#terms", status_code=303)


@router.post("/console/keywords/{name}/propose", name="console.keyword_propose")
async def propose(
    request: Request,
    user: Curator,
    name: ListName,
    term: Annotated[str, Form(max_length=500)] = "",
    language: Language = "en",
    match: Annotated[str, Form(max_length=20)] = "phrase",
    category: Annotated[str, Form(max_length=100)] = "",
    warning: Annotated[str, Form(max_length=4000)] = "",
    help_name: Annotated[str, Form(max_length=200)] = "",
    help_url: Annotated[str, Form(max_length=2000)] = "",
    help_phone: Annotated[str, Form(max_length=40)] = "",
    help_language: Language = "",
    expires: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if match not in get_args(MatchMode):
        return await _page(request, user, name, f"Match {match!r} is not word, phrase or substring.", 422)
    mode: MatchMode = match  # type: ignore[assignment]  # checked just above

    def run() -> None:
        resource = HelpResource(
            name=help_name, url=help_url, language=help_language or language, phone=help_phone or None
        )
        _service(request, user).add(
            term,
            by=user.name,
            warning=warning,
            help=resource,
            language=language,
            match=mode,
            category=category,
            expires_at=parse_when(expires),
            list_name=name,
        )

    return await _act(request, user, name, run)


@router.post("/console/keywords/{name}/confirm", name="console.keyword_confirm")
async def confirm(
    request: Request,
    user: Curator,
    name: ListName,
    term: Annotated[str, Form(max_length=500)] = "",
    language: Language = "en",
) -> Response:
    """The second analyst's confirmation; the service refuses the proposer (409)."""
    service = _service(request, user)
    return await _act(
        request,
        user,
        name,
        lambda: service.confirm(term, by=user.name, language=language, list_name=name),
        409,
    )


@router.post("/console/keywords/{name}/remove", name="console.keyword_remove")
async def remove(
    request: Request,
    user: Curator,
    name: ListName,
    term: Annotated[str, Form(max_length=500)] = "",
    language: Language = "en",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    service = _service(request, user)
    return await _act(
        request,
        user,
        name,
        lambda: service.remove(term, by=user.name, reason=reason, language=language, list_name=name),
    )


@router.post("/console/keywords/{name}/expire", name="console.keyword_expire")
async def expire(
    request: Request,
    user: Curator,
    name: ListName,
    term: Annotated[str, Form(max_length=500)] = "",
    language: Language = "en",
    at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    service = _service(request, user)

    def run() -> None:
        service.expire(term, by=user.name, at=parse_when(at), language=language, list_name=name)

    return await _act(request, user, name, run)


@router.post("/console/keywords/{name}/publish", name="console.keyword_publish")
async def publish(request: Request, user: Curator, name: ListName) -> Response:
    service = _service(request, user)
    return await _act(request, user, name, lambda: service.publish(name))
