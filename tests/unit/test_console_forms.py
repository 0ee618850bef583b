"""How a console form shows a refused action (``vigil.web.console.forms``): one mapping for every page."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import Request
from fastapi.responses import Response

from vigil.errors import Conflict, Invalid, NotFound, VigilError
from vigil.web.console.forms import FormPage


def _request() -> Request:
    return Request(
        {"type": "http", "method": "POST", "path": "/console/x", "headers": [], "query_string": b""}
    )


async def _again(message: str, status: int) -> Response:
    return Response(message, status_code=status)


def _refused(page: FormPage, error: Exception) -> Response:
    def fail() -> None:
        raise error

    outcome = asyncio.run(page.submit(_request(), fail, "/console/x#done"))
    assert isinstance(outcome, Response)
    return outcome


def test_a_refusal_is_shown_on_the_form_with_the_pages_status() -> None:
    shown = _refused(FormPage(_again), Invalid("no such category"))
    assert (shown.status_code, shown.body) == (422, b"no such category")
    assert _refused(FormPage(_again, 409), Conflict("locked")).status_code == 409
    assert _refused(FormPage(_again, statuses={Conflict: 409}), Conflict("done")).status_code == 409
    assert _refused(FormPage(_again, statuses={Conflict: 409}), VigilError("bad")).status_code == 422


def test_a_missing_page_is_the_error_page_unless_the_form_named_it() -> None:
    gone = _refused(FormPage(_again), NotFound("no case 7"))
    assert gone.status_code == 404 and b"no case 7" in gone.body and b"<html" in gone.body
    assert _refused(FormPage(_again, missing_page=False), NotFound("no entry")).body == b"no entry"


def test_success_sees_the_page_again_and_other_errors_propagate() -> None:
    done = asyncio.run(FormPage(_again).submit(_request(), lambda: None, "/console/x#done"))
    assert (done.status_code, done.headers["location"]) == (303, "/console/x#done")
    with pytest.raises(RuntimeError):  # a programming error is never shown as the user's
        _refused(FormPage(_again), RuntimeError("a bug"))
