"""Every integer a request carries is bounded at the edge (issue 20, part 3): a number beyond 64 bits is a
422 problem on SQLite and PostgreSQL alike, never a 500 from the database driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from fastapi.params import Param
from pydantic.fields import FieldInfo

from tests.integration.web.conftest import Api
from vigil.auth.roles import Role
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.keywords import HelpResource
from vigil.blocklists.service import BlocklistService
from vigil.config import Settings
from vigil.db.bounds import DB_BIGINT_MAX, DB_INT_MAX
from vigil.web.app import create_app
from vigil.web.routes import served_routes

HUGE: Final = (2**64, 10**30, -1)


def _schema_integers(
    schema: Any, where: str, components: dict[str, Any], seen: frozenset[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _schema_integers(components[name], f"{where}->{name}", components, seen | {name})
        return
    if schema.get("type") == "integer":
        yield where, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _schema_integers(sub, where, components, seen)
    for prop, sub in schema.get("properties", {}).items():
        yield from _schema_integers(sub, f"{where}.{prop}", components, seen)
    for key in ("items", "additionalProperties"):
        yield from _schema_integers(schema.get(key), f"{where}[]", components, seen)


def _bounded(schema: dict[str, Any]) -> bool:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    return low is not None and high is not None and low >= -DB_BIGINT_MAX - 1 and high <= DB_BIGINT_MAX


def test_every_integer_of_every_request_is_bounded(tmp_path: Path) -> None:
    """Parameters and request bodies in the OpenAPI schema, and the parameters of routes left out of it."""
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'v.db'}"))
    spec = app.openapi()
    components = spec.get("components", {}).get("schemas", {})
    found, unbounded = [], []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            places = [
                (f"{method} {path} {p['in']}:{p['name']}", p.get("schema")) for p in op.get("parameters", [])
            ]
            for content_type, body in op.get("requestBody", {}).get("content", {}).items():
                places.append((f"{method} {path} body {content_type}", body.get("schema")))
            for where, schema in places:
                for name, integer in _schema_integers(schema, where, components, frozenset()):
                    found.append(name)
                    if not _bounded(integer):
                        unbounded.append(name)
    assert (
        len(found) >= 20
    )  # the walk reaches parameters and bodies (a walk that finds nothing proves nothing)
    assert any(" body " in name for name in found)
    assert not unbounded, unbounded
    for route in served_routes(app):
        if route.route is None or route.route.include_in_schema:
            continue
        dependant = route.route.dependant
        for param in [*dependant.path_params, *dependant.query_params, *dependant.header_params]:
            if param.field_info.annotation in (int, int | None):
                assert _param_bounded(param.field_info), (route.path, param.name)


def _param_bounded(info: FieldInfo) -> bool:
    low = [getattr(m, "ge", None) for m in info.metadata] + [getattr(m, "gt", None) for m in info.metadata]
    high = [getattr(m, "le", None) for m in info.metadata] + [getattr(m, "lt", None) for m in info.metadata]
    return isinstance(info, Param) and any(v is not None for v in low) and any(v is not None for v in high)


#: (role, method, url with {n} where the number goes, extra request arguments); the largest value allowed
#: is DB_INT_MAX but where BIGINT is named (blocklist serials) or a bound of its own applies.
CASES: Final[list[tuple[Role, str, str, dict[str, Any]]]] = [
    (Role.isp, "GET", "/api/v1/lists/demo/export?format=csv&version={n}", {}),
    (Role.isp, "GET", "/api/v1/lists/demo/delta?until={n}", {}),
    (Role.isp, "GET", "/api/v1/lists/demo/delta?since={n}", {}),
    (Role.isp, "GET", "/api/v1/lists/demo/delta?cursor={n}", {}),
    (Role.isp, "GET", "/api/v1/lists/demo/delta?limit={n}", {}),
    (Role.admin, "GET", "/api/v1/series/{n}", {}),
    (Role.admin, "GET", "/api/v1/victims/{n}", {}),
    (Role.admin, "POST", "/api/v1/victims/{n}/identify", {"json": {"on": "2026-01-02", "agency": "Demo"}}),
    (Role.admin, "PATCH", "/api/v1/users/{n}", {"json": {"active": True}}),
    (Role.admin, "GET", "/api/v1/users/{n}/tokens", {}),
    (Role.admin, "POST", "/api/v1/users/{n}/tokens", {"json": {}}),
    (Role.admin, "DELETE", "/api/v1/tokens/{n}", {}),
    (Role.admin, "GET", "/api/v1/audit?after={n}", {}),
    (Role.admin, "GET", "/api/v1/audit?limit={n}", {}),
    (Role.isp, "GET", "/api/v1/blocklists/main.json?since={n}", {}),
    (Role.isp, "GET", "/api/v1/blocklists/main.rpz.sig?since={n}", {}),
    (Role.isp, "GET", "/api/v1/keywords?since={n}", {}),
    (Role.isp, "GET", "/api/v1/keywords.sig?since={n}", {}),
    (Role.admin, "GET", "/api/v1/cases/{n}", {}),
    (Role.admin, "POST", "/api/v1/cases/{n}/assessment", {"json": {"verdict": "not-illegal"}}),
    (Role.admin, "POST", "/api/v1/cases/{n}/holds", {"json": {}}),
    (Role.admin, "DELETE", "/api/v1/holds/{n}", {}),
    (Role.member, "GET", "/api/v1/lookup?signal_type=pdq&signal={pdq}&threshold={n}", {}),
]


def _with_blocklists(api: Api) -> None:
    """A published URL blocklist and keyword list, so that ``since`` reaches the database."""
    urls, keywords = BlocklistService(api.ctx.sessions, "test"), KeywordService(api.ctx.sessions, "test")
    urls.add("blocked.example", by="alice", reason="made-up")
    urls.confirm("blocked.example", by="bob")
    urls.publish()
    help_ = HelpResource(name="Example Helpline", url="https://help.example/", language="en")
    keywords.add("blue widget", by="alice", warning="Made-up warning.", help=help_)
    keywords.confirm("blue widget", by="bob")
    keywords.publish()


def _largest(url: str) -> int:
    if "limit=" in url:
        return 10_000 if "/delta" in url else 1000
    if "threshold=" in url:
        return 64
    return DB_BIGINT_MAX if ("/blocklists/" in url or "/keywords" in url) else DB_INT_MAX


def _send(api: Api, role: Role, method: str, url: str, extra: dict[str, Any], n: int) -> Any:
    pdq = next(r["pdq"] for r in api.rows if r.get("pdq"))
    return api.client.request(method, url.format(n=n, pdq=pdq), headers=api.headers(role), **extra)


def test_out_of_range_integers_are_422_problems(api: Api) -> None:
    _with_blocklists(api)
    for role, method, url, extra in CASES:
        for n in (*HUGE, _largest(url) + 1):
            r = _send(api, role, method, url, extra, n)
            assert r.status_code == 422, (method, url, n, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            problem = r.json()
            assert problem["status"] == 422 and problem["title"] and problem["errors"], problem


def test_largest_integer_is_answered_without_a_5xx(api: Api) -> None:
    """The bound itself reaches the database (and any arithmetic on it) without overflowing."""
    _with_blocklists(api)
    for role, method, url, extra in CASES:
        r = _send(api, role, method, url, extra, _largest(url))
        assert r.status_code < 500, (method, url, r.status_code, r.text)


def test_body_integers_out_of_range_are_422(api: Api) -> None:
    signals = [{"signal_type": "md5", "signal": api.rows[0]["md5"]}]
    for n in (*HUGE, 65):
        r = api.post(Role.member, "/api/v1/lookup/batch", json={"signals": signals, "threshold": n})
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", n
