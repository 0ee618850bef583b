"""The keyword list for search engines in the console (``/console/keywords``): each term with its
language, match mode, the warning a search engine shows and the help it points to; proposals awaiting a
second analyst; the published versions with their digests and signatures.

Actions are :class:`vigil.blocklists.keyword_service.KeywordService`'s (journalled under
``keywords.*``); the two-analyst rule is the service's, shown here as on the URL lists' page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final, get_args

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.keywords import HelpResource, Keyword, MatchMode, keywords_to_json
from vigil.blocklists.lists import DEFAULT_KEYWORD_LIST, same_person
from vigil.signing import key_id, sign
from vigil.web.console import list_lifecycle as lifecycle
from vigil.web.console.list_lifecycle import Act, Reason, When
from vigil.web.context import context

router = APIRouter(include_in_schema=False)

#: The form's fields that every action takes: a term is itself in one language.
TermText = Annotated[str, Form(max_length=500)]
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
    versions: list[lifecycle.SignedVersion]
    key_id: str


def _service(request: Request, user: ConsoleUser) -> KeywordService:
    return KeywordService(context(request).sessions, f"console:{user.name}")


def _read(request: Request, user: ConsoleUser, name: str) -> KeywordView:
    service = _service(request, user)
    key = lifecycle.signing_key(request)
    names = service.list_names()
    if name not in names:
        return KeywordView(names, [], [], key_id(key.public_key()))
    terms = [Term(k, by, confirmed, same_person(user.name, by)) for k, by, confirmed in service.entries(name)]

    def signatures(serial: int) -> dict[str, str]:
        # The signature of the same document the API serves to search engines.
        document = keywords_to_json(service.version(name, serial)).encode("utf-8")
        return {"json": sign(document, key).strip()}

    return KeywordView(
        names, terms, lifecycle.signed_versions(service.versions(name), signatures), key_id(key.public_key())
    )


def _values(user: ConsoleUser, view: KeywordView) -> dict[str, Any]:
    return {"modes": get_args(MatchMode)}


PAGE: Final = lifecycle.LifecyclePage("/console/keywords", "keywords.html", _read, _values)

PAGE.route(router, "console.keywords", DEFAULT_KEYWORD_LIST)


@router.post("/console/keywords/{name}/propose", name="console.keyword_propose")
async def propose(
    act: Act,
    term: TermText = "",
    language: Language = "en",
    match: Annotated[str, Form(max_length=20)] = "phrase",
    category: Annotated[str, Form(max_length=100)] = "",
    warning: Annotated[str, Form(max_length=4000)] = "",
    help_name: Annotated[str, Form(max_length=200)] = "",
    help_url: Annotated[str, Form(max_length=2000)] = "",
    help_phone: Annotated[str, Form(max_length=40)] = "",
    help_language: Language = "",
    expires: When = "",
) -> Response:
    if match not in get_args(MatchMode):
        return await PAGE.refuse(act, f"Match {match!r} is not word, phrase or substring.")
    mode: MatchMode = match  # type: ignore[assignment]  # checked just above

    def run() -> None:
        resource = HelpResource(
            name=help_name, url=help_url, language=help_language or language, phone=help_phone or None
        )
        _service(act.request, act.user).add(
            term,
            by=act.user.name,
            warning=warning,
            help=resource,
            language=language,
            match=mode,
            category=category,
            expires_at=lifecycle.parse_when(expires),
            list_name=act.name,
        )

    return await PAGE.act(act, "terms", run)


@router.post("/console/keywords/{name}/confirm", name="console.keyword_confirm")
async def confirm(act: Act, term: TermText = "", language: Language = "en") -> Response:
    """The second analyst's confirmation; the service refuses the proposer (409)."""
    service = _service(act.request, act.user)
    return await PAGE.act(
        act,
        "terms",
        lambda: service.confirm(term, by=act.user.name, language=language, list_name=act.name),
        409,
    )


@router.post("/console/keywords/{name}/remove", name="console.keyword_remove")
async def remove(act: Act, term: TermText = "", language: Language = "en", reason: Reason = "") -> Response:
    def run() -> None:
        service = _service(act.request, act.user)
        service.remove(term, by=act.user.name, reason=reason, language=language, list_name=act.name)

    return await PAGE.act(act, "terms", run)


@router.post("/console/keywords/{name}/expire", name="console.keyword_expire")
async def expire(act: Act, term: TermText = "", language: Language = "en", at: When = "") -> Response:
    def run() -> None:
        when = lifecycle.parse_when(at)
        _service(act.request, act.user).expire(
            term, by=act.user.name, at=when, language=language, list_name=act.name
        )

    return await PAGE.act(act, "terms", run)


@router.post("/console/keywords/{name}/publish", name="console.keyword_publish")
async def publish(act: Act) -> Response:
    return await PAGE.act(act, "terms", lambda: _service(act.request, act.user).publish(act.name))
