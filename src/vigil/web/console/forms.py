"""Running a console form's action and showing its refusal: one place for what every page did with its own
``try``/``except`` (issue #13).

A form's action is one service call, run in a worker thread. A :class:`~vigil.errors.NotFound` means the
page itself is gone (the error page, 404); any other :class:`~vigil.errors.VigilError` is the user's to
fix, shown above the form again by the page's own ``again`` with the error's message. Anything else is a
programming error and is left to propagate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from vigil.errors import NotFound, VigilError, category
from vigil.web.console.render import error_page

T = TypeVar("T")

#: A page shown again with a message above its form, under a status: ``again(message, status)``.
Again = Callable[[str, int], Awaitable[Response]]


@dataclass(frozen=True)
class FormPage:
    """A page with a form, as its actions' refusals show it."""

    again: Again
    #: The status of a refusal ...
    status: int = 422
    #: ... unless its category has its own here (a conflict as 409, where the page tells them apart).
    statuses: Mapping[type[VigilError], int] = field(default_factory=dict)
    #: False keeps a NotFound on the form too, for pages where the thing is named by the form (an entry
    #: that is not on the list) rather than by the URL.
    missing_page: bool = True

    async def refusal(self, request: Request, exc: VigilError) -> Response:
        kind = category(exc)
        if self.missing_page and kind is NotFound:
            return error_page(request, str(exc), 404)
        return await self.again(str(exc), self.statuses.get(kind, self.status))

    async def attempt(self, request: Request, action: Callable[[], T]) -> T | Response:
        """``action()``'s result (run in a worker thread), or the refusal that shows why not."""
        try:
            return await run_in_threadpool(action)
        except VigilError as exc:
            return await self.refusal(request, exc)

    async def submit(self, request: Request, action: Callable[[], object], then: str) -> Response:
        """Run ``action``; on success see the page at ``then`` (303, so that reloading does not post
        again)."""
        outcome = await self.attempt(request, action)
        if isinstance(outcome, Response):
            return outcome
        return RedirectResponse(then, status_code=303)


async def found_or_404(request: Request, read: Callable[[], T]) -> T | Response:
    """``read()``'s result (run in a worker thread), or the error page when what the URL names is not
    there; a page read refuses nothing else."""
    try:
        return await run_in_threadpool(read)
    except NotFound as exc:
        return error_page(request, str(exc), 404)
