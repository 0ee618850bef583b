"""URLs the fetch guard refuses end as ``refused`` with the guard's reason, never in the analyst queue,
and are counted apart; network failures still go to triage. Reports record who sent them (an
industry member is ``member``), through the service, the HTTP API, ``vigil hotline sweep`` and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.hotline.parts import (
    T0,
    hotline_settings,
    make_hotline,
    smtp_server,
    write_directory,
)
from tests.integration.hotline.servers import ConnectGuard, Page, StubResolver, free_port, http_site
from vigil import signing
from vigil.audit import journal
from vigil.audit.models import AuditEntry
from vigil.auth.roles import Role
from vigil.auth.service import UserService
from vigil.cli.main import app
from vigil.config import Settings
from vigil.hotline.clock import ManualClock
from vigil.hotline.lifecycle import TransitionError, state_reason
from vigil.hotline.metrics import takedown_figures
from vigil.hotline.models import Case, CaseEvent, Report
from vigil.hotline.notices import load_signing_key
from vigil.hotline.recheck import run_due
from vigil.hotline.service import HotlineError, HotlineService
from vigil.web.app import create_app


def _case(sessions: sessionmaker[Session], case_id: int) -> Case:
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


def test_refused_urls_end_refused_and_failures_wait_for_an_analyst(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, connect_guard: ConnectGuard
) -> None:
    with http_site() as site, smtp_server() as inbox:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        resolver = StubResolver({"good.example": ["127.0.0.1"], "intranet.example": ["192.168.0.7"]})
        hl = make_hotline(settings, sessions, ManualClock(T0), resolver)
        service = HotlineService(hl, "public")
        # A public page that redirects to another loopback address (only 127.0.0.1 is allowed here).
        hop = site.put("good.example", "/hop", Page(302, headers={"Location": "http://127.0.0.2/admin"}))
        urls = {
            "private": "http://10.0.0.5/admin",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "resolves-private": "http://intranet.example/x.jpg",
            "redirect": hop,
            "closed-port": f"http://good.example:{free_port()}/x.jpg",
            "nxdomain": "http://gone.example/x.jpg",
        }
        cases = {name: service.submit(url).case_id for name, url in urls.items()}
        assert service.submit(urls["private"]).duplicate  # a second report joins the refused-to-be case
        run_due(hl)

    states = {name: _case(sessions, c).state for name, c in cases.items()}
    assert states == {
        "private": "refused",
        "metadata": "refused",
        "resolves-private": "refused",
        "redirect": "refused",
        "closed-port": "triage",
        "nxdomain": "triage",
    }
    with sessions() as session:
        reasons = {name: state_reason(session, c) for name, c in cases.items()}
        failed = session.execute(
            select(CaseEvent.case_id).where(CaseEvent.kind == "fetch.failed").order_by(CaseEvent.case_id)
        ).scalars()
        assert list(failed) == [cases["closed-port"], cases["nxdomain"]]
        refusals = session.execute(select(AuditEntry).where(AuditEntry.action == "hotline.refused")).scalars()
        assert sorted(int(e.subject.split("/")[1]) for e in refusals) == sorted(
            cases[n] for n in ("private", "metadata", "resolves-private", "redirect")
        )
        assert journal.verify(session).ok
    assert reasons["private"] == "10.0.0.5: 10.0.0.5 is a private address"
    assert reasons["metadata"] == "169.254.169.254: 169.254.169.254 is a link-local address"
    assert reasons["resolves-private"] == "intranet.example: 192.168.0.7 is a private address"
    assert reasons["redirect"] == "127.0.0.2: 127.0.0.2 is a loopback address"
    assert (reasons["closed-port"], reasons["nxdomain"]) == (None, None)
    # Nothing connected to a refused address; the redirect's first hop was the allowed loopback site.
    assert set(connect_guard.connected) <= {"127.0.0.1"}
    refused = _case(sessions, cases["private"])
    assert refused.closed_at == T0 and refused.open_url is None

    # The analyst queue holds the failures only; a refused case is closed to every change.
    assert [i.case_id for i in service.triage_queue()] == [cases["closed-port"], cases["nxdomain"]]
    with pytest.raises(HotlineError, match="refused, not awaiting assessment"):
        service.assess(cases["metadata"], "analyst-1", "1")
    with sessions() as session, pytest.raises(TransitionError):
        hl.lifecycle.move(session, session.get(Case, cases["metadata"]), "triage", "test")  # type: ignore[arg-type]
    assert run_due(hl) == 0  # nothing due: refusals are final, not retried
    # A new report of a refused URL opens a new case (checked again).
    again = service.submit(urls["metadata"])
    assert not again.duplicate and again.case_id not in cases.values()

    with sessions() as session:
        intake = takedown_figures(session, T0).intake
    assert (intake.reports, intake.cases) == (8, 7)
    assert (intake.refused, intake.refused_reports, intake.awaiting_analyst) == (4, 5, 2)
    assert intake.by_state["new"] == 1 and intake.by_source == {"public": 8}


@pytest.fixture
def api(
    db_env: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> tuple[TestClient, dict[Role, str]]:
    users = UserService(sessions, "test")
    tokens = {role: users.add_user(f"r-{role.value}", role.value).secret for role in Role}
    return TestClient(create_app(_settings(db_env, tmp_path)), raise_server_exceptions=False), tokens


def _settings(db: Settings, tmp_path: Path) -> Settings:
    return hotline_settings(db, 9, write_directory(tmp_path / "dir.toml"))


def test_refused_and_sources_over_http_and_the_cli(
    api: tuple[TestClient, dict[Role, str]],
    db_env: Settings,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    connect_guard: ConnectGuard,
) -> None:
    client, tokens = api

    def auth(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    senders = {
        Role.member: "member",
        Role.peer: "partner",  # no partner keys in the directory: unsigned reports are accepted
        Role.investigator: "law_enforcement",
        Role.analyst: "analyst",
        Role.admin: "analyst",
    }
    with client:
        posted = {}
        for i, role in enumerate(senders):
            answer = client.post(
                "/api/v1/reports", json={"url": f"http://10.9.0.{i + 1}/p"}, headers=auth(role)
            )
            assert answer.status_code == 201, answer.text
            posted[role] = answer.json()["case_id"]
        # A worker's sweep, as a separate process on the same database.
        env = os.environ | {"VIGIL_HOTLINE_DIRECTORY": str(tmp_path / "dir.toml")}
        swept = subprocess.run(
            [sys.executable, "-m", "vigil", "hotline", "sweep"],
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert swept.returncode == 0, swept.stderr
        assert swept.stdout.strip() == "cases worked: 5"

        member_case = posted[Role.member]
        view = client.get(f"/api/v1/cases/{member_case}", headers=auth(Role.analyst))
        assert view.status_code == 200, view.text
        detail = view.json()
        assert (detail["state"], detail["state_reason"]) == (
            "refused",
            "10.9.0.1: 10.9.0.1 is a private address",
        )
        assert [(r["source"], r["submitted_by"]) for r in detail["reports"]] == [("member", "r-member")]
        assert "reporter_contact" not in detail["reports"][0]
        assert [e["to_state"] for e in detail["events"] if e["kind"] == "state"] == ["new", "refused"]
        assert client.get("/api/v1/reports/queue", headers=auth(Role.analyst)).json() == []
        figures = client.get("/api/v1/stats/takedown", headers=auth(Role.analyst)).json()
        assert figures["intake"]["refused"] == 5 and figures["intake"]["refused_reports"] == 5
        assert figures["intake"]["by_source"] == {
            "analyst": 2,
            "law_enforcement": 1,
            "member": 1,
            "partner": 1,
        }
        key = client.get("/.well-known/vigil-hotline-key")
        assert key.status_code == 200
        assert key.content == signing.public_key_to_pem(load_signing_key(db_env).public_key())
    with sessions() as session:
        sources = {r.case_id: r.source for r in session.execute(select(Report)).scalars()}
    assert {role: sources[case_id] for role, case_id in posted.items()} == senders

    runner = CliRunner()
    shown = runner.invoke(app, ["hotline", "case", str(member_case)])
    assert shown.exit_code == 0, shown.output
    assert f"case {member_case}: refused (10.9.0.1: 10.9.0.1 is a private address)" in shown.output
    assert "from r-member (member)" in shown.output and "new → refused" in shown.output
    as_json = json.loads(runner.invoke(app, ["hotline", "case", str(member_case), "--json"]).stdout)
    assert as_json["state"] == "refused" and as_json["reports"][0]["source"] == "member"
    missing = runner.invoke(app, ["hotline", "case", "999999"])
    assert missing.exit_code == 1 and "error: no case 999999" in missing.output  # NotFound
    stats = runner.invoke(app, ["stats", "takedown"])
    assert "5 reports, 5 cases: 5 refused by the fetch guard (5 reports)" in stats.output
    stats_json = json.loads(runner.invoke(app, ["stats", "takedown", "--json"]).stdout)
    assert stats_json["intake"]["refused"] == 5 and stats_json["overall"]["cases"] == 0
