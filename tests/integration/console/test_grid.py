"""The grid over HTTP: many cases classified in one form; a case another analyst holds, a category that
does not exist and a case already decided are left as they were (and said so), the others go ahead."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import field, make_staff, sign_in
from tests.integration.console.seeding import attach, console_hotline, triage_case
from tests.integration.hotline.parts import hotline_settings, smtp_server, write_directory
from tests.integration.hotline.servers import http_site
from vigil.config import Settings
from vigil.hotline.desk import NOT_ILLEGAL, CaseDesk
from vigil.hotline.models import Case
from vigil.web.app import create_app


def test_grid_classifies_many_cases(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "ivy", "investigator")
    secrets: dict[str, str] = {}
    with smtp_server() as inbox, http_site() as site:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        hotline = console_hotline(settings, sessions)
        app = create_app(settings)
        attach(app, hotline)
        cases = [
            triage_case(hotline, site, 40 + i, host=h)
            for i, h in enumerate(("good.example", "bad.example", "far.example", "remote.example"))
        ]
        assessed, rejected, held, unknown = cases
        CaseDesk(hotline, "bob").open(held)
        with (
            TestClient(app, base_url="http://127.0.0.1") as ana,
            TestClient(app, base_url="http://127.0.0.1") as ivy,
        ):
            sign_in(ana, "ana", secrets)
            grid = ana.get("/console/grid")
            assert grid.status_code == 200
            for case_id in cases:
                assert f'id="tile-{case_id}"' in grid.text
            assert grid.text.count('class="preview blurred"') == 3  # none for the case Bob has open
            assert "open by bob" in grid.text
            code = CaseDesk(hotline, "ana").categories()[0].code
            form = {
                "csrf": field(grid.text, "csrf"),
                f"case-{assessed}": code,
                f"case-{rejected}": NOT_ILLEGAL,
                f"case-{held}": code,
                f"case-{unknown}": "no-such-category",
                "case-999999": code,
            }
            done = ana.post("/console/grid", data=form)
            assert done.status_code == 409
            assert "Assessed: 1. Rejected as not illegal: 1." in done.text
            assert f"Case #{held} left as it was: open by bob" in done.text
            assert f"Case #{unknown} left as it was: no category" in done.text
            assert "Case #999999 left as it was" in done.text
            # Without the session's CSRF token nothing is decided.
            forged = ana.post("/console/grid", data={"csrf": "forged", f"case-{unknown}": NOT_ILLEGAL})
            assert forged.status_code == 403
            # Investigators do not assess.
            sign_in(ivy, "ivy", secrets)
            assert ivy.get("/console/grid").status_code == 403
        with sessions() as session:
            states = {c: session.get(Case, c).state for c in cases}  # type: ignore[union-attr]
        assert states == {assessed: "notified", rejected: "rejected", held: "triage", unknown: "triage"}
