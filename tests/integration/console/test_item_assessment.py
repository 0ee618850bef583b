"""Assessment per item of a reported page: the domain (all or nothing, journalled, refused while another
analyst has the case open or once it is decided), the rule between items and the case, the API route and
the case JSON view, and the console's item form and grid by item over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.console.helpers import field, make_staff, sign_in
from tests.integration.console.seeding import attach, console_hotline, page_items, triage_page
from tests.integration.hotline.parts import Inbox, hotline_settings, smtp_server, write_directory
from tests.integration.hotline.servers import Site, http_site
from vigil.audit.models import AuditEntry
from vigil.auth.service import UserService
from vigil.cli.main import app as cli
from vigil.config import Settings
from vigil.errors import Conflict, Invalid
from vigil.hotline.caseview import case_view
from vigil.hotline.desk import CaseDesk
from vigil.hotline.item_assessment import ItemAssessor
from vigil.hotline.models import ITEM_NOT_ILLEGAL, Assessment, Case, ItemAssessment
from vigil.hotline.runtime import Hotline
from vigil.hotline.service import CaseLockedError, HotlineService
from vigil.web.app import create_app


@pytest.fixture
def world(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[Settings, Hotline, Site, Inbox]]:
    with smtp_server() as inbox, http_site() as site:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        yield settings, console_hotline(settings, sessions), site, inbox


def _stored(sessions: sessionmaker[Session], case_id: int) -> dict[int, tuple[str, str, str]]:
    with sessions() as session:
        rows = session.execute(select(ItemAssessment).where(ItemAssessment.case_id == case_id)).scalars()
        return {r.item_id: (r.category, r.verdict, r.assessed_by) for r in rows}


def _journal(sessions: sessionmaker[Session], action: str) -> list[dict[str, Any]]:
    with sessions() as session:
        query = select(AuditEntry.details).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return [json.loads(d) for d in session.execute(query).scalars()]


def test_items_are_assessed_all_or_nothing_and_bound_the_case(
    world: tuple[Settings, Hotline, Site, Inbox], sessions: sessionmaker[Session]
) -> None:
    _, hotline, site, inbox = world
    case_id = triage_page(hotline, site, [61, 62, 63])
    items = page_items(hotline, case_id)
    assert len(items) == 3  # the pictures the page showed (the page itself is evidence, not an item)
    first, second, third = items
    assessor = ItemAssessor(hotline, "api:ana")

    # One bad decision (an unknown category) leaves every item as it was.
    with pytest.raises(Invalid, match="not a category"):
        assessor.assess(case_id, "ana", {first: "2", second: "Z"})
    with pytest.raises(Invalid, match="has no item"):
        assessor.assess(case_id, "ana", {first: "2", 10**9: "2"})
    assert _stored(sessions, case_id) == {}

    say = assessor.assess(case_id, "ana", {first: "3", second: "2", third: ITEM_NOT_ILLEGAL})
    assert say.worst is not None and say.worst.code == "2"
    assert _stored(sessions, case_id) == {
        first: ("3", "undetermined", "ana"),
        second: ("2", "undetermined", "ana"),
        third: (ITEM_NOT_ILLEGAL, "not_illegal", "ana"),
    }
    # The same decision again changes nothing and is not journalled again; a withdrawal is.
    assessor.assess(case_id, "ana", {first: "3"})
    assessor.assess(case_id, "ana", {first: None})
    entries = _journal(sessions, "hotline.item.assess")
    assert [len(e["items"]) for e in entries] == [3, 1]
    assert entries[1]["items"] == [{"item": first, "category": None, "verdict": None}]
    assert first not in _stored(sessions, case_id)

    # Another analyst has the case open: refused, nothing stored.
    CaseDesk(hotline, "bob").open(case_id)
    with pytest.raises(CaseLockedError, match="open by bob"):
        assessor.assess(case_id, "ana", {first: "1"})
    CaseDesk(hotline, "bob").release(case_id)

    # The case is never less severe than its items; without a category it takes the most severe.
    service = HotlineService(hotline, "api:ana")
    with pytest.raises(Conflict, match=r"assessed 2, more severe than 3"):
        service.assess(case_id, "ana", "3")
    # An illegal item forbids rejecting the case.
    assessor.assess(case_id, "ana", {first: "1"})
    with pytest.raises(Conflict, match="cannot be rejected"):
        CaseDesk(hotline, "ana").reject(case_id, "")
    assert service.assess(case_id, "ana", None) == "notified"
    with sessions() as session:
        verdict = session.execute(
            select(Assessment.category).where(Assessment.case_id == case_id)
        ).scalar_one()
    assert verdict == "1"
    assert any(f"VIGIL-{case_id}" in m.subject for m in inbox.to("abuse@good.example"))

    # Decided: its items are no longer assessed.
    with pytest.raises(Conflict, match="not awaiting assessment"):
        assessor.assess(case_id, "ana", {second: ITEM_NOT_ILLEGAL})


def test_a_page_whose_items_are_all_not_illegal_can_be_rejected(
    world: tuple[Settings, Hotline, Site, Inbox], sessions: sessionmaker[Session]
) -> None:
    _, hotline, site, _ = world
    case_id = triage_page(hotline, site, [64, 65])
    desk = CaseDesk(hotline, "ana")
    desk.assess_items(case_id, dict.fromkeys(page_items(hotline, case_id), ITEM_NOT_ILLEGAL))
    view = desk.open(case_id)
    assert view.items_say is not None and view.items_say.all_not_illegal
    assert desk.reject(case_id, "") == "rejected"


def test_api_route_and_case_view(
    world: tuple[Settings, Hotline, Site, Inbox], sessions: sessionmaker[Session], db_env: Settings
) -> None:
    settings, hotline, site, _ = world
    users = UserService(sessions, "test")
    analyst = {"Authorization": f"Bearer {users.add_user('ana', 'analyst').secret}"}
    investigator = {"Authorization": f"Bearer {users.add_user('ivy', 'investigator').secret}"}
    case_id = triage_page(hotline, site, [66, 67])
    first, second = page_items(hotline, case_id)
    app = create_app(settings)
    attach(app, hotline)
    url = f"/api/v1/cases/{case_id}/items/assessment"
    with TestClient(app, raise_server_exceptions=False) as client:
        body = {
            "items": [{"item_id": first, "category": "2"}, {"item_id": second, "category": ITEM_NOT_ILLEGAL}]
        }
        assert client.post(url, json=body, headers=investigator).status_code == 403
        bad = client.post(url, json={"items": [{"item_id": first, "category": "Z"}]}, headers=analyst)
        assert bad.status_code == 422 and "not a category" in bad.json()["detail"]
        twice = {"items": [{"item_id": first, "category": "2"}, {"item_id": first, "category": "3"}]}
        assert client.post(url, json=twice, headers=analyst).status_code == 422
        assert client.post(url, json={"items": []}, headers=analyst).status_code == 422
        done = client.post(url, json=body, headers=analyst)
        assert done.status_code == 200, done.text
        assert done.json() == {
            "case_id": case_id,
            "assessed": {str(first): "2", str(second): ITEM_NOT_ILLEGAL},
            "worst": "2",
            "all_not_illegal": False,
        }
        view = client.get(f"/api/v1/cases/{case_id}", headers=investigator).json()
        items = {i["id"]: i for i in view["items"]}
        assert items[first]["assessment"]["category"] == "2"
        assert items[first]["assessment"]["assessed_by"] == "ana"
        assert items[second]["assessment"]["verdict"] == "not_illegal"
        assert items[first]["suggestion"] is None  # unknown content: nothing to suggest
        # Locked by another analyst in the console: 409.
        CaseDesk(hotline, "bob").open(case_id)
        locked = client.post(
            url, json=body | {"items": [{"item_id": first, "category": "1"}]}, headers=analyst
        )
        assert locked.status_code == 409 and "open by bob" in locked.json()["detail"]
        CaseDesk(hotline, "bob").release(case_id)
        # The case without a category takes its most severe item's.
        assessed = client.post(f"/api/v1/cases/{case_id}/assessment", json={}, headers=analyst)
        assert assessed.status_code == 200 and assessed.json()["state"] == "triage"  # 2 is undetermined
        again = client.post(url, json=body, headers=analyst)
        assert again.status_code == 200  # still awaiting: an undetermined verdict keeps it in triage
    with sessions() as session:
        assert case_view(session, case_id)["assessments"][-1]["category"] == "2"
    # The command line shows the analyst's assessment beside each item's outcome.
    shown = CliRunner().invoke(cli, ["hotline", "case", str(case_id)])
    assert shown.exit_code == 0, shown.output
    assert "#0 unknown [assessed 2 (undetermined) by ana]" in shown.output
    assert "#1 unknown [assessed not-illegal (not_illegal) by ana]" in shown.output


def test_console_item_form_and_grid_by_item(
    world: tuple[Settings, Hotline, Site, Inbox], sessions: sessionmaker[Session]
) -> None:
    settings, hotline, site, _ = world
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "ivy", "investigator")
    first_case = triage_page(hotline, site, [71, 72])
    second_case = triage_page(hotline, site, [73], host="bad.example")
    taken_case = triage_page(hotline, site, [74], host="far.example")
    a, b = page_items(hotline, first_case)
    (c,) = page_items(hotline, second_case)
    (d,) = page_items(hotline, taken_case)
    CaseDesk(hotline, "bob").open(taken_case)
    app = create_app(settings)
    attach(app, hotline)
    secrets: dict[str, str] = {}
    with (
        TestClient(app, base_url="http://127.0.0.1") as ana,
        TestClient(app, base_url="http://127.0.0.1") as ivy,
    ):
        sign_in(ana, "ana", secrets)
        page = ana.get(f"/console/cases/{first_case}")
        assert f'name="item-{a}"' in page.text and f'name="item-{b}"' in page.text
        form = {"csrf": field(page.text, "csrf"), f"item-{a}": "3", f"item-{b}": ITEM_NOT_ILLEGAL}
        saved = ana.post(f"/console/cases/{first_case}/items/assess", data=form, follow_redirects=True)
        assert saved.status_code == 200 and 'id="items-worst"' in saved.text
        assert 'value="3" data-key="3" required checked' in saved.text  # the case form starts at 3
        assert _stored(sessions, first_case)[a][0] == "3"
        bad = ana.post(f"/console/cases/{first_case}/items/assess", data=form | {f"item-{a}": "Z"})
        assert bad.status_code == 409 and "not a category" in bad.text
        forged = ana.post(f"/console/cases/{first_case}/items/assess", data=form | {"csrf": "forged"})
        assert forged.status_code == 403

        grid = ana.get("/console/grid/items")
        assert grid.status_code == 200
        for item in (a, b, c, d):
            assert f'id="item-tile-{item}"' in grid.text
        assert grid.text.count('class="preview blurred"') == 3  # none for the case Bob has open
        decisions = {"csrf": field(grid.text, "csrf"), f"item-{a}": "1", f"item-{c}": "2", f"item-{d}": "1"}
        done = ana.post("/console/grid/items", data=decisions)
        assert done.status_code == 409
        assert "Items assessed: 2, in 2 cases." in done.text
        assert f"Case #{taken_case} left as it was: open by bob" in done.text
        sign_in(ivy, "ivy", secrets)
        assert ivy.get("/console/grid/items").status_code == 403
    assert _stored(sessions, first_case)[a][0] == "1"
    assert _stored(sessions, second_case)[c][0] == "2"
    assert _stored(sessions, taken_case) == {}
    with sessions() as session:
        assert session.get(Case, taken_case).state == "triage"  # type: ignore[union-attr]
