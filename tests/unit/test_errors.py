"""One mapping of errors: each category to an HTTP status and to an exit code; domain errors to categories;
a programming error is never shown as the user's."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from vigil.auth.service import AuthError, UnknownTokenError, UnknownUserError, UserExistsError
from vigil.cli import main
from vigil.config import Settings
from vigil.errors import Conflict, Invalid, NotFound, Unavailable, VigilError, category
from vigil.formats.base import FormatError
from vigil.hashlists.identity import IdentityConflictError
from vigil.hashlists.lists import HashListExistsError, ListError, UnknownHashListError
from vigil.hashlists.records.victims import RecordNotFoundError
from vigil.hashlists.victims import VictimError, VictimNotFoundError
from vigil.hashlists.votes import MediaNotFoundError
from vigil.hotline.service import CaseNotFoundError, HotlineError, InvalidReportError
from vigil.matching import MatcherNotReadyError, UnknownListError
from vigil.signals.base import InvalidSignalError
from vigil.web import problems

CATEGORY_OF: list[tuple[type[VigilError], type[VigilError]]] = [
    (UnknownUserError, NotFound),
    (UnknownTokenError, NotFound),
    (UserExistsError, Conflict),
    (AuthError, Invalid),
    (UnknownHashListError, NotFound),
    (HashListExistsError, Conflict),
    (ListError, Invalid),
    (MediaNotFoundError, NotFound),
    (RecordNotFoundError, NotFound),
    (VictimNotFoundError, NotFound),
    (VictimError, Conflict),
    (IdentityConflictError, Conflict),
    (CaseNotFoundError, NotFound),
    (HotlineError, Conflict),
    (InvalidReportError, Invalid),
    (FormatError, Invalid),
    (InvalidSignalError, Invalid),
    (UnknownListError, NotFound),
    (MatcherNotReadyError, Unavailable),
]


@pytest.mark.parametrize(("error", "expected"), CATEGORY_OF, ids=[e.__name__ for e, _ in CATEGORY_OF])
def test_each_domain_error_has_its_category(error: type[VigilError], expected: type[VigilError]) -> None:
    assert category(error("x")) is expected


def test_domain_errors_keep_the_builtin_base_callers_caught() -> None:
    assert issubclass(ListError, ValueError) and issubclass(VictimError, ValueError)
    assert issubclass(MediaNotFoundError, LookupError) and issubclass(UnknownUserError, LookupError)
    assert issubclass(MatcherNotReadyError, RuntimeError) and issubclass(InvalidReportError, HotlineError)


def test_the_tables_cover_every_category_once() -> None:
    assert {NotFound: 404, Conflict: 409, Invalid: 422, Unavailable: 503} == problems.STATUSES
    assert {NotFound: 1, Conflict: 1, Invalid: 2, Unavailable: main.EXIT_BUSY} == main.EXIT_CODES
    assert main.EXIT_BUSY == 75


def _raiser(exc: Exception) -> Callable[[], None]:
    def raise_it() -> None:
        raise exc

    return raise_it


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = FastAPI()
    problems.install(app)
    errors: dict[str, Exception] = {
        "media": MediaNotFoundError("no media with md5 00"),
        "victim": VictimError("victim 'V-1' was identified on 2026-01-02"),
        "report": InvalidReportError("not an http(s) URL"),
        "matcher": MatcherNotReadyError("the lists are still loading"),
        "bug": ValueError("secret internals"),
        "bad": ListError("checkpoint 9 is not between 0 and 2"),
        "gone": UnknownHashListError("unknown hash list 'x'"),
    }
    for name, exc in errors.items():
        app.add_api_route(f"/{name}", _raiser(exc))

    # A route that reads an Invalid error as a malformed request (400) and leaves the rest to the mapping.
    for name in ("bad", "gone"):
        exc = errors[name]
        assert isinstance(exc, VigilError)
        app.add_api_route(f"/read-as-400/{name}", _raiser(problems.bad_request(exc)))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/media", 404, "no media with md5 00"),
        ("/victim", 409, "victim 'V-1' was identified on 2026-01-02"),
        ("/report", 422, "not an http(s) URL"),
        ("/matcher", 503, "the lists are still loading"),
        ("/bad", 422, "checkpoint 9 is not between 0 and 2"),
    ],
)
def test_a_domain_error_is_answered_as_the_problem_of_its_category(
    client: TestClient, path: str, status: int, detail: str
) -> None:
    r = client.get(path)
    assert r.status_code == status
    assert r.headers["content-type"] == problems.MEDIA_TYPE
    assert r.json() == {"type": "about:blank", "title": r.reason_phrase, "status": status, "detail": detail}


def test_unavailable_says_when_to_try_again(client: TestClient) -> None:
    assert client.get("/matcher").headers["retry-after"] == "5"
    assert "retry-after" not in client.get("/media").headers


def test_bad_request_reads_invalid_as_400_and_keeps_the_other_categories(client: TestClient) -> None:
    bad, gone = client.get("/read-as-400/bad"), client.get("/read-as-400/gone")
    assert (bad.status_code, bad.json()["detail"]) == (400, "checkpoint 9 is not between 0 and 2")
    assert (gone.status_code, gone.json()["detail"]) == (404, "unknown hash list 'x'")


def test_a_programming_error_is_a_bare_500_not_a_users_problem(client: TestClient) -> None:
    r = client.get("/bug")
    assert r.status_code == 500
    assert "secret internals" not in r.text and r.json()["detail"].startswith("internal error; reference ")


@pytest.fixture
def command(monkeypatch: pytest.MonkeyPatch) -> Callable[[Exception], None]:
    """Registers ``vigil boom``, which raises the given exception."""

    def install(exc: Exception) -> None:
        def boom_command() -> None:
            raise exc

        monkeypatch.setitem(main.COMMANDS, "boom", lambda: boom_command)

    return install


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UnknownHashListError("unknown hash list 'x'"), 1),
        (UserExistsError("user 'acme' exists"), 1),
        (InvalidReportError("not an http(s) URL"), 2),
        (MatcherNotReadyError("the lists are still loading"), 75),
    ],
)
def test_a_domain_error_ends_a_command_with_one_line_and_its_code(
    command: Callable[[Exception], None], exc: VigilError, code: int
) -> None:
    command(exc)
    result = CliRunner().invoke(main.app, ["boom"])
    assert result.exit_code == code
    assert result.stderr == f"error: {exc}\n" and result.stdout == ""
    assert isinstance(result.exception, SystemExit)


def test_a_programming_error_is_not_printed_as_a_users_error(command: Callable[[Exception], None]) -> None:
    command(KeyError("a bug"))
    result = CliRunner().invoke(main.app, ["boom"])
    assert isinstance(result.exception, KeyError)  # it leaves the command as a traceback would
    assert "error:" not in result.output


def test_a_broken_setting_is_the_users_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from vigil.cli.state import settings_of

    def boom_command(ctx: typer.Context) -> None:
        settings_of(ctx)

    monkeypatch.setitem(main.COMMANDS, "boom", lambda: boom_command)
    monkeypatch.setenv("VIGIL_MAX_IMAGE_PIXELS", "-1")
    result = CliRunner().invoke(main.app, ["boom"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid settings: VIGIL_MAX_IMAGE_PIXELS: ")


def test_commands_share_the_settings_the_callback_put_in_the_context(monkeypatch: pytest.MonkeyPatch) -> None:
    from vigil.cli.state import CliState, settings_of

    seen: list[Settings] = []
    roots: list[object] = []

    def boom_command(ctx: typer.Context) -> None:
        seen.extend([settings_of(ctx), settings_of(ctx)])
        roots.append(ctx.find_root().obj)

    monkeypatch.setitem(main.COMMANDS, "boom", lambda: boom_command)
    monkeypatch.setenv("VIGIL_MAX_IMAGE_PIXELS", "1234")  # the environment still applies
    assert CliRunner().invoke(main.app, ["boom"]).exit_code == 0
    first, second = seen
    assert first is second and isinstance(roots[0], CliState)
    assert first.image_limits().max_pixels == 1234
