"""The authorization matrix: every route of the app, for every role and for anonymous callers, against
an explicit table. A route added without a policy, or missing from this table, fails here."""

from __future__ import annotations

from typing import Any, Final

import pytest
from fastapi import APIRouter, FastAPI

from tests.integration.web.conftest import Api
from vigil.auth.roles import Role
from vigil.web.console.guard import ConsoleSessionPolicy
from vigil.web.policy import RolePolicy, check_policies, policy_of
from vigil.web.routes import served_routes

pytestmark = pytest.mark.slow

A, AN, INV, MEM, ISP, PEER = Role.admin, Role.analyst, Role.investigator, Role.member, Role.isp, Role.peer
PUBLIC: Final = "public"
STAFF = {A, AN, INV}
LOOKUP = {A, AN, INV, MEM}
LISTS = {A, AN, INV, ISP, PEER}

#: (method, path) → who may call it.
EXPECTED: Final[dict[tuple[str, str], str | set[Role]]] = {
    ("GET", "/api/v1/health/live"): PUBLIC,
    ("GET", "/api/v1/health/ready"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("POST", "/api/v1/hash"): LOOKUP,
    ("GET", "/api/v1/lookup"): LOOKUP,
    ("POST", "/api/v1/lookup/batch"): LOOKUP,
    ("POST", "/api/v1/lookup/content"): LOOKUP,
    ("GET", "/m/lookup"): LOOKUP,
    ("POST", "/m/lookup"): LOOKUP,
    ("GET", "/m/raw_lookup"): LOOKUP,
    ("POST", "/h/hash"): LOOKUP,
    ("GET", "/api/v1/lists"): LISTS,
    ("GET", "/api/v1/lists/{name}/versions"): LISTS,
    ("GET", "/api/v1/lists/{name}/delta"): LISTS,
    # Private set intersection: peers only (docs/federation-psi-pytx.md).
    ("POST", "/api/v1/federation/psi/sessions"): {PEER},
    ("POST", "/api/v1/federation/psi/sessions/{session}/sets/{name}/blind"): {PEER},
    ("GET", "/api/v1/federation/psi/sessions/{session}/sets/{name}/points"): {PEER},
    ("POST", "/api/v1/federation/psi/sessions/{session}/sets/{name}/back"): {PEER},
    ("POST", "/api/v1/federation/psi/sessions/{session}/finish"): {PEER},
    ("GET", "/api/v1/lists/{name}/export"): LISTS,
    ("POST", "/api/v1/lists/{name}/publish"): {A, AN},
    ("GET", "/api/v1/feed"): {A, AN, INV, PEER},
    ("GET", "/api/v1/feed/keys"): PUBLIC,
    ("GET", "/api/v1/feed/lists/{name}"): {A, AN, INV, PEER},
    ("GET", "/api/v1/media/{digest}"): STAFF,
    ("GET", "/api/v1/series"): STAFF,
    ("GET", "/api/v1/series/{series_id}"): STAFF,
    ("GET", "/api/v1/victims/figures"): STAFF,
    ("GET", "/api/v1/victims/{victim_id}"): STAFF,
    ("POST", "/api/v1/victims/{victim_id}/identify"): {A, INV},
    ("GET", "/api/v1/me"): set(Role),
    ("GET", "/api/v1/roles"): {A},
    ("GET", "/api/v1/users"): {A},
    ("POST", "/api/v1/users"): {A},
    ("PATCH", "/api/v1/users/{user_id}"): {A},
    ("GET", "/api/v1/users/{user_id}/tokens"): {A},
    ("POST", "/api/v1/users/{user_id}/tokens"): {A},
    ("DELETE", "/api/v1/tokens/{token_id}"): {A},
    ("GET", "/api/v1/audit"): {A},
    ("GET", "/api/v1/audit/verify"): {A},
    ("GET", "/api/v1/blocklists/{name}.{fmt}"): {ISP},
    ("GET", "/api/v1/blocklists/{name}.{fmt}.sig"): {ISP},
    ("GET", "/api/v1/keywords"): {ISP},
    ("GET", "/api/v1/keywords.sig"): {ISP},
    ("GET", "/.well-known/vigil-blocklist-key"): PUBLIC,
    ("GET", "/.well-known/vigil-hotline-key"): PUBLIC,
    ("GET", "/stop"): PUBLIC,
    ("GET", "/report"): PUBLIC,
    ("POST", "/report"): PUBLIC,
    ("POST", "/api/v1/reports"): {A, AN, INV, MEM, PEER},
    ("GET", "/api/v1/reports/queue"): {A, AN},
    ("GET", "/api/v1/cases/{case_id}"): STAFF,
    ("POST", "/api/v1/cases/{case_id}/assessment"): {A, AN},
    ("POST", "/api/v1/cases/{case_id}/items/assessment"): {A, AN},
    ("POST", "/api/v1/cases/{case_id}/holds"): {A, INV},
    ("DELETE", "/api/v1/holds/{hold_id}"): {A, INV},
    ("GET", "/api/v1/stats/takedown"): STAFF,
}

ANALYSTS = frozenset({A, AN})
HOLDERS = frozenset({A, INV})
CSTAFF = frozenset(STAFF)

#: Console pages (session cookie, not bearer tokens): (method, path) → staff roles that may open them.
CONSOLE: Final[dict[tuple[str, str], frozenset[Role]]] = {
    # Lists and blocklists: all staff read and export; curators (the API's CURATORS) change.
    ("GET", "/console/lists"): CSTAFF,
    ("GET", "/console/lists/{name}"): CSTAFF,
    ("GET", "/console/lists/{name}/diff"): CSTAFF,
    ("GET", "/console/lists/{name}/export"): CSTAFF,
    ("POST", "/console/lists/{name}/publish"): ANALYSTS,
    ("GET", "/console/imports"): ANALYSTS,
    ("POST", "/console/imports"): ANALYSTS,
    ("POST", "/console/imports/{token}"): ANALYSTS,
    ("GET", "/console/blocklists"): CSTAFF,
    ("POST", "/console/blocklists/{name}/propose"): ANALYSTS,
    ("POST", "/console/blocklists/{name}/confirm"): ANALYSTS,
    ("POST", "/console/blocklists/{name}/remove"): ANALYSTS,
    ("POST", "/console/blocklists/{name}/expire"): ANALYSTS,
    ("POST", "/console/blocklists/{name}/appeal"): ANALYSTS,
    ("POST", "/console/blocklists/{name}/appeals/{appeal_id}"): ANALYSTS,
    ("POST", "/console/blocklists/{name}/publish"): ANALYSTS,
    ("GET", "/console/keywords"): CSTAFF,
    ("POST", "/console/keywords/{name}/propose"): ANALYSTS,
    ("POST", "/console/keywords/{name}/confirm"): ANALYSTS,
    ("POST", "/console/keywords/{name}/remove"): ANALYSTS,
    ("POST", "/console/keywords/{name}/expire"): ANALYSTS,
    ("POST", "/console/keywords/{name}/publish"): ANALYSTS,
    ("POST", "/console/sign-out"): CSTAFF,
    ("GET", "/console/queue"): CSTAFF,
    ("GET", "/console/cases/{case_id}"): CSTAFF,
    ("POST", "/console/cases/{case_id}/assess"): ANALYSTS,
    ("POST", "/console/cases/{case_id}/items/assess"): ANALYSTS,
    ("POST", "/console/cases/{case_id}/reject"): ANALYSTS,
    ("POST", "/console/cases/{case_id}/repeat-notice"): ANALYSTS,
    ("POST", "/console/cases/{case_id}/removed"): ANALYSTS,
    ("POST", "/console/cases/{case_id}/release"): CSTAFF,
    ("POST", "/console/cases/{case_id}/holds"): HOLDERS,
    ("POST", "/console/cases/{case_id}/holds/{hold_id}/lift"): HOLDERS,
    ("GET", "/console/cases/{case_id}/evidence/{evidence_id}/preview"): CSTAFF,
    ("POST", "/console/cases/{case_id}/evidence/{evidence_id}/reveal"): CSTAFF,
    ("POST", "/console/cases/{case_id}/reports/{report_id}/contact"): ANALYSTS,
    ("GET", "/console/figures"): CSTAFF,
    ("GET", "/console/preferences"): CSTAFF,
    ("POST", "/console/preferences"): CSTAFF,
    ("POST", "/console/break"): CSTAFF,
    ("GET", "/console/grid"): ANALYSTS,
    ("POST", "/console/grid"): ANALYSTS,
    ("GET", "/console/grid/items"): ANALYSTS,
    ("POST", "/console/grid/items"): ANALYSTS,
    ("GET", "/console/admin/invitations"): frozenset({A}),
    ("POST", "/console/admin/invitations"): frozenset({A}),
    ("GET", "/console/dashboards"): CSTAFF,
    ("GET", "/console/media"): CSTAFF,
    ("POST", "/console/media/lookup"): CSTAFF,
    ("GET", "/console/media/conflicts"): CSTAFF,
    ("GET", "/console/media/{media_id}"): CSTAFF,
    ("POST", "/console/media/{media_id}/vote"): CSTAFF,
    ("GET", "/console/series"): CSTAFF,
    ("GET", "/console/series/{series_id}"): CSTAFF,
    ("POST", "/console/series/{series_id}/victims/{victim_id}/identify"): frozenset({A, INV}),
    # Administration (issue 15, part 2).
    ("POST", "/console/series/{series_id}/notes"): frozenset({A, INV}),
    ("GET", "/console/victims"): CSTAFF,
    ("GET", "/console/admin/users"): frozenset({A}),
    ("GET", "/console/admin/users/{user_id}"): frozenset({A}),
    ("POST", "/console/admin/users/{user_id}/role"): frozenset({A}),
    ("POST", "/console/admin/users/{user_id}/active"): frozenset({A}),
    ("POST", "/console/admin/users/{user_id}/reset-totp"): frozenset({A}),
    ("POST", "/console/admin/users/{user_id}/tokens"): frozenset({A}),
    ("POST", "/console/admin/users/{user_id}/tokens/{token_id}/revoke"): frozenset({A}),
    ("GET", "/console/admin/journal"): frozenset({A}),
    ("POST", "/console/admin/journal/verify"): frozenset({A}),
}
EXPECTED.update(
    {
        ("GET", "/console"): PUBLIC,
        ("GET", "/console/sign-in"): PUBLIC,
        ("POST", "/console/sign-in"): PUBLIC,
        ("GET", "/console/second-factor"): PUBLIC,
        ("POST", "/console/second-factor"): PUBLIC,
        ("GET", "/console/static/{name}"): PUBLIC,
        # The link's secret is the credential; its form carries the signed double-submit token.
        ("GET", "/console/invite/{token}"): PUBLIC,
        ("POST", "/console/invite/{token}"): PUBLIC,
        ("GET", "/api/docs/assets/{name}"): PUBLIC,
    }
)

#: Records no industry member, ISP or peer may ever reach (docs/api.md).
SENSITIVE: Final = ("/media", "/series", "/victims", "/reports", "/cases", "/audit", "/users", "/tokens")
#: Write-only intake: platforms and partner hotlines send reports in, and read none back.
INTAKE: Final = {("POST", "/api/v1/reports")}

PNG_1PX: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f80f0000010100005d0ba1"
    "8a0000000049454e44ae426082"
)


def _request(api: Api, method: str, path: str) -> dict[str, Any]:
    """Arguments that make a well-formed request (ids that do not exist: nothing is really changed)."""
    values = {
        "name": "demo",
        "digest": api.rows[0]["md5"],
        "series_id": "999999",
        "victim_id": "999999",
        "user_id": "999999",
        "token_id": "999999",
        "fmt": "rpz",
        "case_id": "999999",
        "hold_id": "999999",
        "evidence_id": "999999",
        "report_id": "999999",
        "media_id": "999999",
        "appeal_id": "999999",
        "token": "x" * 43,
        "session": "0" * 32,
    }
    if path == "/console/static/{name}":
        values["name"] = "console.css"
    elif path == "/api/docs/assets/{name}":
        values["name"] = "init.js"
    url = path.format(**values)
    kwargs: dict[str, Any] = {}
    if path in ("/api/v1/lookup", "/m/lookup", "/m/raw_lookup"):
        kwargs["params"] = {"signal_type": "md5", "signal": api.rows[0]["md5"]}
    elif path.endswith("/export"):
        kwargs["params"] = {"format": "csv"}
    if path in ("/api/v1/hash", "/api/v1/lookup/content"):
        kwargs["files"] = {"file": ("p.png", PNG_1PX, "image/png")}
    elif path in ("/h/hash", "/m/lookup") and method == "POST":
        kwargs["files"] = {"photo": ("p.png", PNG_1PX, "image/png")}
    elif path == "/api/v1/lookup/batch":
        kwargs["json"] = {"signals": [{"signal_type": "md5", "signal": api.rows[0]["md5"]}]}
    elif path == "/api/v1/users" and method == "POST":
        kwargs["json"] = {"name": "matrix-user", "role": "member"}
    elif path.endswith("/identify"):
        kwargs["json"] = {"on": "2026-01-02", "agency": "Demo hotline"}
    elif method == "PATCH":
        kwargs["json"] = {"active": True}
    return {"method": method, "url": url, **kwargs}


def test_every_route_is_in_the_table_with_its_declared_policy(api: Api) -> None:
    served = {(m, r.path): r for r in served_routes(api.client.app) for m in r.methods if m != "HEAD"}  # type: ignore[arg-type]
    assert set(served) == set(EXPECTED) | set(CONSOLE), (
        "routes added or removed: update EXPECTED (and think about who may call them)"
    )
    for key, route in served.items():
        assert route.route is not None
        policy = policy_of(route.route)
        assert policy is not None, key
        if key in CONSOLE:
            assert isinstance(policy, ConsoleSessionPolicy) and policy.roles == CONSOLE[key], key
            continue
        expected = EXPECTED[key]
        if expected == PUBLIC:
            assert policy.public, key
        else:
            assert isinstance(policy, RolePolicy) and set(policy.roles) == expected, key
        if any(part in key[1] for part in SENSITIVE) and key not in INTAKE:
            assert expected != PUBLIC and not ({MEM, ISP, PEER} & set(expected)), key


def _verdict(api: Api, method: str, path: str, role: Role | None) -> str | None:
    """None when the answer agrees with the table, else what went wrong."""
    allowed = EXPECTED[(method, path)]
    response = api.client.request(headers=api.headers(role), **_request(api, method, path))
    status = response.status_code
    who = role.value if role else "anonymous"
    # Console pages answer people: their refusals are HTML pages, not problem documents.
    document = "text/html; charset=utf-8" if path.startswith("/console") else "application/problem+json"
    if status >= 400 and response.headers["content-type"] != document:
        return f"{who} {method} {path}: {status} is not a problem document"
    if allowed == PUBLIC or (role is not None and role in allowed):
        if status in (401, 403) or status >= 500:
            return f"{who} {method} {path}: allowed, got {status} {response.text[:200]}"
    elif role is None:
        if status != 401 or response.headers.get("www-authenticate") != "Bearer":
            return f"{who} {method} {path}: expected 401, got {status}"
    elif status != 403:
        return f"{who} {method} {path}: expected 403, got {status}"
    return None


def test_console_opens_to_no_api_token(api: Api) -> None:
    """A bearer token of any role (a member's included) opens no console page: it answers with the way
    to the sign-in page and nothing of the page."""
    for (method, path), _roles in sorted(CONSOLE.items()):
        for role in [None, *Role]:
            request = _request(api, method, path)
            response = api.client.request(headers=api.headers(role), follow_redirects=False, **request)
            assert response.status_code == 303, (role, method, path, response.status_code)
            assert response.headers["location"].startswith("/console/sign-in"), (role, path)


def test_matrix(api: Api) -> None:
    """Every route, every caller: one app for the whole walk (a route's ids do not exist, so the walk
    changes nothing that a later request depends on)."""
    failures = [
        problem
        for method, path in sorted(EXPECTED)
        for role in [None, *Role]
        if (problem := _verdict(api, method, path, role)) is not None
    ]
    assert failures == []


def test_a_route_without_a_policy_is_refused_at_start() -> None:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    router = APIRouter()

    @router.get("/unguarded")
    def unguarded() -> dict[str, str]:
        return {}

    app.include_router(router, prefix="/api/v1")
    with pytest.raises(RuntimeError, match=r"without an access policy: GET /api/v1/unguarded$"):
        check_policies(app)
