"""The whole notice-and-takedown cycle with real parts, asserted to the minute: a loopback web server
serving generated images that later answer 404, an aiosmtpd server receiving the notices, a partner
endpoint receiving a signed forward, and a clock the test moves.

Cases (all reported at T0):
  A  known image at a domestic host that removes it within a day;
  B, B2  unknown images at a domestic host that never complies (repeat notices, escalation, ranking);
  C  known image under a law-enforcement hold for three days: no notice leaves before it expires;
  D  known image at a host in a country with a partner hotline: forwarded, removed after two days;
  E  known image in a country without a partner: forwarded to law enforcement, never removed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import (
    T0,
    Inbox,
    hotline_settings,
    make_hotline,
    seed_known,
    smtp_server,
    write_directory,
    write_images,
)
from tests.integration.hotline.servers import ConnectGuard, Page, Site, StubResolver, http_site
from vigil import signing
from vigil.audit import journal
from vigil.config import Settings
from vigil.hotline.clock import ManualClock
from vigil.hotline.metrics import takedown_figures
from vigil.hotline.models import Case, CaseEvent
from vigil.hotline.notices import canonical_body, load_signing_key
from vigil.hotline.recheck import run_due
from vigil.hotline.runtime import Hotline
from vigil.hotline.service import HotlineService

pytestmark = pytest.mark.slow

H = timedelta(hours=1)
M = timedelta(minutes=1)
POLICE = "referrals@police.example"


def _jpeg(path: Path) -> Page:
    return Page(body=path.read_bytes(), headers={"Content-Type": "image/jpeg"})


def _states(sessions: sessionmaker[Session], case_id: int) -> list[tuple[str | None, timedelta]]:
    with sessions() as session:
        events = session.execute(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == "state")
            .order_by(CaseEvent.id)
        ).scalars()
        return [(e.to_state, e.at - T0) for e in events]


def _state(sessions: sessionmaker[Session], case_id: int) -> str:
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.state


def _subjects(inbox: Inbox, recipient: str, ref: str) -> list[str]:
    return [m.subject for m in inbox.to(recipient) if ref in m.subject]


def _sweep(hl: Hotline, clock: ManualClock, at: timedelta) -> None:
    clock.set(T0 + at)
    run_due(hl)


def test_report_to_removal(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, connect_guard: ConnectGuard
) -> None:
    known = write_images(tmp_path / "known", [11, 12, 13, 14])
    unknown = write_images(tmp_path / "unknown", [21, 22])
    seed_known(sessions, tmp_path, known)
    with http_site() as web, http_site() as partner, smtp_server() as inbox:
        _run_cycle(db_settings, sessions, tmp_path, web, partner, inbox, known, unknown)


def _run_cycle(
    db_settings: Settings,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    web: Site,
    partner: Site,
    inbox: Inbox,
    known: list[Path],
    unknown: list[Path],
) -> None:
    directory = write_directory(
        tmp_path / "directory.toml", partner=partner.url("127.0.0.1", "/api/v1/reports"), token="peer-token"
    )
    settings = hotline_settings(db_settings, inbox.port, directory)
    clock = ManualClock(T0)
    names = ["good.example", "bad.example", "far.example", "remote.example"]
    hl = make_hotline(settings, sessions, clock, StubResolver({n: ["127.0.0.1"] for n in names}))
    public = HotlineService(hl, "public")
    url_a = web.put("good.example", "/a.jpg", _jpeg(known[0]))
    url_b = web.put("bad.example", "/b.jpg", _jpeg(unknown[0]))
    url_c = web.put("good.example", "/c.jpg", _jpeg(known[1]))
    url_d = web.put("far.example", "/d.jpg", _jpeg(known[2]))
    url_e = web.put("remote.example", "/e.jpg", _jpeg(known[3]))
    url_b2 = web.put("bad.example", "/b2.jpg", _jpeg(unknown[1]))
    a, b, c, d, e, b2 = (
        public.submit(u, description="seen on a forum").case_id
        for u in (url_a, url_b, url_c, url_d, url_e, url_b2)
    )

    # A second report of A, spelled differently, joins the open case.
    clock.set(T0 + M)
    again = public.submit(
        url_a.replace("good.example", "GOOD.Example.") + "#top", contact="me@reporter.example"
    )
    assert (again.case_id, again.duplicate) == (a, True)

    # Law enforcement asks for a hold on C before anything happens.
    clock.set(T0 + 2 * M)
    HotlineService(hl, "api:police-us").place_hold(c, "Police US", until=T0 + 72 * H, reason="investigation")

    _sweep(hl, clock, 5 * M)
    assert [_state(sessions, x) for x in (a, b, c, d, e, b2)] == [
        "notified",
        "triage",
        "held",
        "forwarded",
        "forwarded",
        "triage",
    ]
    # Known content was classified by the hash database: nobody viewed it.
    analyst = HotlineService(hl, "api:analyst-1")
    assert [item.case_id for item in analyst.triage_queue()] == [b, b2]

    clock.set(T0 + H)
    assert analyst.assess(b, "analyst-1", "1") == "notified"
    assert analyst.assess(b2, "analyst-1", "1") == "notified"

    web.remove("good.example", "/a.jpg")  # host A complies within the day
    for at in (24 * H + 5 * M, 25 * H):
        _sweep(hl, clock, at)
    web.remove("far.example", "/d.jpg")
    _sweep(hl, clock, 48 * H + 5 * M)
    clock.set(T0 + 48 * H + 30 * M)
    with sessions() as session:
        early = takedown_figures(session, clock.now())
    assert [h.host for h in early.bad_hosters] == ["Remote Hosting"]
    _sweep(hl, clock, 49 * H)
    clock.set(T0 + 50 * H)
    with sessions() as session:
        later = takedown_figures(session, clock.now())
    assert [(h.host, h.missed) for h in later.bad_hosters] == [("Bad Hosting", 2), ("Remote Hosting", 1)]

    # C: nothing left for the host while the hold stood.
    assert _subjects(inbox, "abuse@good.example", f"VIGIL-{c}") == []
    for at in (72 * H + 5 * M, 73 * H):
        _sweep(hl, clock, at)
    assert _subjects(inbox, "abuse@good.example", f"VIGIL-{c}") == [
        f"[Vigil hotline] Notice VIGIL-{c}: remove content"
    ]
    web.remove("good.example", "/c.jpg")
    for at in (96 * H + 5 * M, 97 * H):
        _sweep(hl, clock, at)

    assert _states(sessions, a) == [
        ("new", 0 * M),
        ("assessed", 5 * M),
        ("notified", 5 * M),
        ("removed", 24 * H + 5 * M),
    ]
    assert _states(sessions, b) == [
        ("new", 0 * M),
        ("triage", 5 * M),
        ("assessed", H),
        ("notified", H),
        ("escalated", 49 * H),
    ]
    assert _states(sessions, c) == [
        ("new", 0 * M),
        ("assessed", 5 * M),
        ("held", 5 * M),
        ("notified", 72 * H + 5 * M),
        ("removed", 96 * H + 5 * M),
    ]
    assert _states(sessions, d) == [
        ("new", 0 * M),
        ("assessed", 5 * M),
        ("forwarded", 5 * M),
        ("removed", 48 * H + 5 * M),
    ]
    assert _state(sessions, e) == "forwarded"

    # The never-complying host got a notice a day, and law enforcement the escalation after two.
    assert _subjects(inbox, "abuse@bad.example", f"VIGIL-{b}:") == [
        f"[Vigil hotline] Notice VIGIL-{b}: remove content",
        *(f"[Vigil hotline] Repeat notice {n} VIGIL-{b}: remove content" for n in (2, 3, 4, 5)),
    ]
    police = _subjects(inbox, POLICE, f"VIGIL-{b}:")
    assert police[0].startswith(f"[Vigil hotline] Report VIGIL-{b}:")
    assert police[1] == f"[Vigil hotline] Escalation VIGIL-{b}: content still online after 2 notices"
    assert len(_subjects(inbox, POLICE, f"VIGIL-{e}:")) == 1  # no partner in BR: law enforcement

    _check_mail(inbox, settings, url_a, a)
    _check_forward(partner, settings, url_d, d)
    _check_figures(sessions, clock)
    with sessions() as session:
        assert journal.verify(session).ok


def _check_mail(inbox: Inbox, settings: Settings, url: str, case_id: int) -> None:
    (mail,) = [m for m in inbox.to("abuse@good.example") if f"VIGIL-{case_id}:" in m.subject]
    assert mail.recipients == ["abuse@good.example"]
    assert mail.sender == "hotline@vigil.example"
    body = mail.body.replace("\r\n", "\n")
    assert f"URL: {url}" in body
    assert "Notice: 1" in body
    assert "Assessment: illegal under us (vics-us category 1)" in body
    assert body.endswith("-- \nVigil hotline\nhotline@vigil.example\n")
    public_key = load_signing_key(settings).public_key()
    # Signed over the canonical text (test_notice_verification checks the message as delivered).
    assert signing.verify(canonical_body(body), str(mail.message["X-Vigil-Signature"]), public_key)


def _check_forward(partner: Site, settings: Settings, url: str, case_id: int) -> None:
    ((path, headers, body),) = partner.posts
    assert path == "/api/v1/reports"
    assert headers["Authorization"] == "Bearer peer-token"
    signing.verify(body, headers["X-Vigil-Signature"], load_signing_key(settings).public_key())
    payload = json.loads(body)
    assert (payload["url"], payload["external_ref"], payload["hosting_country"]) == (
        url,
        f"VIGIL-{case_id}",
        "NL",
    )


def _check_figures(sessions: sessionmaker[Session], clock: ManualClock) -> None:
    with sessions() as session:
        figures = takedown_figures(session, clock.now())
    overall = figures.overall
    assert (overall.cases, overall.removed) == (6, 3)
    r2r = overall.report_to_removal
    assert (r2r.started, r2r.ended) == (6, 3)
    assert r2r.median_hours == 48 + 5 / 60
    assert r2r.mean_hours is not None and abs(r2r.mean_hours - (24 + 96 + 48 + 15 / 60) / 3) < 1e-9
    assert (r2r.within_2_days, r2r.within_7_days) == (1 / 6, 3 / 6)
    n2r = overall.notice_to_removal
    assert (n2r.median_hours, n2r.within_2_days) == (24.0, 3 / 6)
    r2n = overall.report_to_notice
    # 5 min (A, D, E), 60 min (B, B2: assessed by an analyst), 72 h 5 min (C: held).
    assert r2n.median_hours == 32.5 / 60
    assert r2n.mean_hours is not None and abs(r2n.mean_hours * 60 - (3 * 5 + 2 * 60 + 72 * 60 + 5) / 6) < 1e-9
    assert (r2n.started, r2n.ended, r2n.within_2_days) == (6, 6, 5 / 6)
    hosts = {g.key: g for g in figures.by_host}
    assert hosts["Good Hosting"].report_to_removal.median_hours == (24 + 5 / 60 + 96 + 5 / 60) / 2
    assert hosts["Bad Hosting"].removed == 0
    countries = {g.key: (g.cases, g.removed) for g in figures.by_country}
    assert countries == {"US": (4, 2), "NL": (1, 1), "BR": (1, 0)}
    assert {g.key for g in figures.by_asn} == {"AS64500", "AS64501", "AS64502", "unknown"}
    assert [(h.host, h.missed, h.still_online) for h in figures.bad_hosters] == [
        ("Bad Hosting", 2, 2),
        ("Remote Hosting", 1, 1),
    ]
