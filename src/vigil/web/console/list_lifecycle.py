"""What the URL lists' and the keyword lists' console pages share: both show one list of a blocklist
lifecycle (entries proposed, confirmed by a second analyst, expired, removed; versions published and
signed), so one :class:`LifecyclePage` renders either and runs either's actions; the pages differ in their
service, their template and what the template is given besides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Generic, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.auth.roles import STAFF
from vigil.blocklists.lists import BlocklistError, VersionInfo
from vigil.blocklists.signed_exports import KEEP_SERIALS
from vigil.signing.keyfile import load_or_create_signing_key, signing_key_path
from vigil.web.console.forms import FormPage
from vigil.web.console.guard import console_user
from vigil.web.console.render import error_page, page
from vigil.web.context import context
from vigil.web.roles import CURATORS

KEY_PATH: Final = "/.well-known/vigil-blocklist-key"

#: All staff read either page; curators (who publish hash lists too) act.
Staff = Annotated[ConsoleUser, console_user(*STAFF)]
Curator = Annotated[ConsoleUser, console_user(*CURATORS)]
ListName = Annotated[str, Path(max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")]
#: Why an entry is removed; when it expires (a date and time, UTC: :func:`parse_when`).
Reason = Annotated[str, Form(max_length=2000)]
When = Annotated[str, Form(max_length=40)]
#: The list a page shows (``?list=``).
ChosenList = Annotated[str, Query(alias="list", max_length=63)]

V = TypeVar("V")


@dataclass(frozen=True)
class SignedVersion:
    info: VersionInfo
    #: Format → detached signature of its whole export; empty for versions older than the cache keeps.
    signatures: dict[str, str]
    #: Why the signatures could not be made (a version that no longer matches its digest).
    problem: str | None = None


def parse_when(text: str) -> datetime | None:
    """A date or date and time from a form, in UTC; None when empty."""
    if not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BlocklistError(f"{text!r} is not a date and time (YYYY-MM-DD HH:MM, UTC)") from None
    return when if when.utcoffset() is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ListAction:
    """A curator's action on one list, as each action's route is given it."""

    request: Request
    user: ConsoleUser
    #: The list, named by the route's path.
    name: str


def _list_action(request: Request, user: Curator, name: ListName) -> ListAction:
    return ListAction(request, user, name)


Act = Annotated[ListAction, Depends(_list_action)]


def signing_key(request: Request) -> Ed25519PrivateKey:
    return load_or_create_signing_key(signing_key_path(context(request).settings))


def signed_versions(
    versions: list[VersionInfo], signatures: Callable[[int], dict[str, str]]
) -> list[SignedVersion]:
    """The versions newest first, each with ``signatures(serial)``; versions older than the export cache
    keeps are signed when downloaded, so none is made for them here (it would mean rendering them all)."""
    out: list[SignedVersion] = []
    for info in reversed(versions):
        if info.serial <= versions[-1].serial - KEEP_SERIALS:
            out.append(SignedVersion(info, {}))
            continue
        try:
            out.append(SignedVersion(info, signatures(info.serial)))
        except BlocklistError as exc:
            out.append(SignedVersion(info, {}, str(exc)))
    return out


@dataclass(frozen=True)
class LifecyclePage(Generic[V]):
    #: The page's URL, which its actions see again: ``/console/blocklists``.
    path: str
    template: str
    #: The list named, as the template shows it (read in a worker thread).
    read: Callable[[Request, ConsoleUser, str], V]
    #: What else the template is given for that view.
    values: Callable[[ConsoleUser, V], Mapping[str, Any]]

    async def show(
        self, request: Request, user: ConsoleUser, name: str, error: str | None = None, status: int = 200
    ) -> Response:
        try:
            view = await run_in_threadpool(self.read, request, user, name)
        except BlocklistError as exc:
            return error_page(request, str(exc), 404)
        return page(
            request,
            self.template,
            status,
            name=name,
            v=view,
            may_act=user.role in CURATORS,
            key_path=KEY_PATH,
            error=error,
            **self.values(user, view),
        )

    def route(self, router: APIRouter, name: str, default: str) -> None:
        """Add the page itself to ``router``: GET :attr:`path`, showing ``?list=`` else ``default``."""

        async def show_page(request: Request, user: Staff, list_name: ChosenList = default) -> Response:
            return await self.show(request, user, list_name)

        router.add_api_route(self.path, show_page, methods=["GET"], name=name)

    async def act(
        self, act: ListAction, anchor: str, action: Callable[[], object], status: int = 422
    ) -> Response:
        """Run ``action`` (one service call); its refusal is shown on the list's page under ``status``,
        an unknown entry included (it was named in the form, not in the URL)."""

        async def again(message: str, code: int) -> Response:
            return await self.show(act.request, act.user, act.name, message, code)

        refused = FormPage(again, status, missing_page=False)
        return await refused.submit(act.request, action, f"{self.path}?list={act.name}#{anchor}")

    async def refuse(self, act: ListAction, message: str) -> Response:
        """The list's page with ``message`` on a form the page itself finds wrong (422)."""
        return await self.show(act.request, act.user, act.name, message, 422)
