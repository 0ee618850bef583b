"""Routes that used to turn domain errors into problems themselves answer the same problems now that one
handler maps every VigilError (web/problems.py)."""

from __future__ import annotations

from typing import Any

from httpx import Response

from tests.integration.web.conftest import Api
from vigil.auth.roles import Role


def _problem(r: Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert (body["type"], body["status"]) == ("about:blank", status)
    return body


def test_not_found_errors_are_404_problems_with_the_domains_message(api: Api) -> None:
    media = _problem(api.get(Role.analyst, "/api/v1/media/" + "0" * 64), 404)
    assert media["detail"] == "no media with sha256 " + "0" * 64
    victim = _problem(
        api.post(
            Role.investigator, "/api/v1/victims/999999/identify", json={"on": "2026-01-02", "agency": "x"}
        ),
        404,
    )
    assert victim["detail"] == "no victim 999999"  # a plain LookupError before, caught by the route
    series = _problem(api.get(Role.analyst, "/api/v1/series/999"), 404)
    assert series["title"] == "Not Found" and "999" in series["detail"]
    unknown = _problem(api.get(Role.isp, "/api/v1/lists/nope/delta"), 404)
    assert unknown["detail"] == "unknown hash list 'nope'"


def test_conflicts_are_409_and_a_malformed_parameter_stays_400(api: Api) -> None:
    taken = _problem(api.post(Role.admin, "/api/v1/users", json={"name": "t-isp", "role": "isp"}), 409)
    assert taken["detail"] == "user 't-isp' exists"
    since = _problem(api.get(Role.isp, "/api/v1/lists/demo/delta", params={"since": 5}), 400)
    assert since["detail"].startswith("checkpoint 5 is not between 0 and ")
