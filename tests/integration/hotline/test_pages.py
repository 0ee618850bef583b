"""Reported pages are followed: each item a page shows is fetched through the guard, matched on its own
(a re-encoded, resized or mirrored copy of a listed picture included), and recorded on the case."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import (
    CONTRIBUTOR,
    T0,
    hotline_settings,
    make_hotline,
    seed_known,
    smtp_server,
    write_directory,
    write_images,
)
from tests.integration.hotline.servers import Page, Site, StubResolver, http_site
from vigil.config import Settings
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase
from vigil.hotline.caseview import case_view
from vigil.hotline.clock import ManualClock
from vigil.hotline.models import Assessment, Evidence, PageItem
from vigil.hotline.recheck import run_due
from vigil.hotline.runtime import Hotline
from vigil.hotline.service import HotlineService

NAMES = {"good.example": ["127.0.0.1"], "cdn.example": ["127.0.0.1"], "inside.example": ["10.0.0.7"]}


def _published(sessions: sessionmaker[Session], tmp_path: Path, seed: int) -> Path:
    """A generated picture, labelled vics-us 1 (illegal under 'us') and published on a list."""
    image = write_images(tmp_path / "img", [seed])[0]
    seed_known(sessions, tmp_path, [image])
    db = HashDatabase(sessions, "test")
    db.create_list("hotline", CONTRIBUTOR, SelectionRules(categories=("vics-us:1",)), (), "for the hotline")
    db.publish("hotline")
    return image


def _jpeg(image: Image.Image, quality: int = 70) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _hotline(db: Settings, port: int, tmp_path: Path, **extra: Any) -> Hotline:
    settings = hotline_settings(
        db, port, write_directory(tmp_path / "dir.toml"), index_build_subprocess=False, **extra
    )
    # make_hotline builds the matcher as every process does (Matcher.from_settings).
    return make_hotline(settings, _sessions(db), ManualClock(T0), StubResolver(NAMES))


def _sessions(db: Settings) -> sessionmaker[Session]:
    from vigil.db.session import engine_for_url, make_session_factory

    return make_session_factory(engine_for_url(db.sqlalchemy_url))


def _items(sessions: sessionmaker[Session], case_id: int) -> list[PageItem]:
    with sessions() as session:
        query = select(PageItem).where(PageItem.case_id == case_id).order_by(PageItem.position)
        return list(session.execute(query).scalars())


def _page(site: Site, body: str) -> str:
    return site.put("good.example", "/gallery/index.html", Page(body=body.encode(), headers=HTML))


HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_a_page_embedding_a_listed_picture_is_notified_without_an_analyst(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    listed = _published(sessions, tmp_path, 93)
    other = write_images(tmp_path / "other", [94])[0]
    copy = _jpeg(Image.open(listed).resize((280, 210)))
    with http_site() as site, smtp_server() as inbox:
        site.put("good.example", "/gallery/other.jpg", Page(body=other.read_bytes()))
        site.put("cdn.example", "/pics/copy.jpg", Page(body=copy))
        url = _page(
            site,
            f"""<html><head><base href="http://cdn.example:{site.port}/pics/"></head><body>
            <img src="http://good.example:{site.port}/gallery/other.jpg">
            <img src="http://inside.example:{site.port}/x.jpg">
            <img src="missing.jpg">
            <picture><source srcset="copy.jpg 1x"></picture>
            </body></html>""",
        )
        hl = _hotline(db_settings, inbox.port, tmp_path)
        service = HotlineService(hl, "test")
        case_id = service.submit(url).case_id
        assert run_due(hl) == 1
        assert service.triage_queue() == []
        assert len(inbox.to("abuse@good.example")) == 1
    items = _items(sessions, case_id)
    assert [(i.position, i.outcome) for i in items] == [
        (0, "unknown"),
        (1, "refused"),
        (2, "failed"),
        (3, "known"),
    ]
    assert items[1].error is not None and "10.0.0.7" in items[1].error
    assert items[2].error == "http-404"
    known = items[3]
    assert known.url == f"http://cdn.example:{site.port}/pics/copy.jpg"
    assert (known.matched_on, known.scheme, known.category, known.verdict) == (
        "pdq",
        "vics-us",
        "1",
        "illegal",
    )
    assert known.distance is not None and 0 < known.distance <= 31
    with sessions() as session:
        assessment = session.execute(select(Assessment).where(Assessment.case_id == case_id)).scalar_one()
        assert (assessment.assessed_by, assessment.media_id) == ("hashdb", known.media_id)
        # The page and each fetched item are sealed evidence; the refused and missing ones are not.
        evidence = session.execute(select(Evidence).where(Evidence.case_id == case_id)).scalars().all()
        assert len(evidence) == 3
        view = case_view(session, case_id)
    assert view is not None and view["matched_item"]["position"] == 3
    assert (view["state"], view["media_id"]) == ("notified", known.media_id)
    assert hl.vault.read(case_id, evidence[2].blob, evidence[2].blob_sha256) == copy


def test_a_page_of_unknown_pictures_waits_for_an_analyst(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _published(sessions, tmp_path, 95)
    others = write_images(tmp_path / "other", [96, 97])
    with http_site() as site, smtp_server() as inbox:
        site.put("good.example", "/a.jpg", Page(body=others[0].read_bytes()))
        site.put("good.example", "/b.jpg", Page(body=others[1].read_bytes()))
        url = _page(
            site, '<p style="background:url(/a.jpg)"></p><a href="/b.jpg">b</a><a href="/c.html">c</a>'
        )
        service = HotlineService(_hotline(db_settings, inbox.port, tmp_path), "test")
        case_id = service.submit(url).case_id
        assert run_due(service.hl) == 1
        assert service.triage_queue()[0].case_id == case_id
        assert inbox.mails == []
    items = _items(sessions, case_id)
    assert [(i.url.rsplit("/", 1)[-1], i.outcome) for i in items] == [
        ("a.jpg", "unknown"),
        ("b.jpg", "unknown"),
    ]
    with sessions() as session:
        view = case_view(session, case_id)
    assert view is not None and view["matched_item"] is None and len(view["items"]) == 2


def test_caps_on_items_and_bytes(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    listed = _published(sessions, tmp_path, 98)
    big = listed.read_bytes()
    with http_site() as site, smtp_server() as inbox:
        for name in ("1", "2", "3", "4"):
            site.put("good.example", f"/{name}.jpg", Page(body=big))
        url = _page(site, "".join(f'<img src="/{n}.jpg">' for n in ("1", "2", "3", "4")))
        hl = _hotline(
            db_settings,
            inbox.port,
            tmp_path,
            hotline_page_max_items=3,
            hotline_page_max_bytes=len(big) + 10,
        )
        case_id = HotlineService(hl, "test").submit(url).case_id
        assert run_due(hl) == 1
        assert len(inbox.to("abuse@good.example")) == 1
        requested = [path for _, path in site.requests]
    items = _items(sessions, case_id)
    # The first fills the byte budget, the second is cut off by it, the third is not fetched, the
    # fourth is beyond the item cap (counted only).
    assert [i.outcome for i in items] == ["known", "failed", "skipped"]
    assert items[0].matched_on == "sha256"
    assert "/3.jpg" not in requested and "/4.jpg" not in requested
    with sessions() as session:
        view = case_view(session, case_id)
    assert view is not None
    page_event = next(e for e in view["events"] if e["kind"] == "page")
    assert page_event["details"]["not_followed"] == 1


def test_a_mirrored_copy_reported_directly(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    listed = _published(sessions, tmp_path, 99)
    mirrored = _jpeg(Image.open(listed).transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((256, 192)))
    with http_site() as site, smtp_server() as inbox:
        url = site.put("good.example", "/m.jpg", Page(body=mirrored))
        hl = _hotline(db_settings, inbox.port, tmp_path)
        case_id = HotlineService(hl, "test").submit(url).case_id
        assert run_due(hl) == 1
        assert len(inbox.to("abuse@good.example")) == 1
    with sessions() as session:
        assessment = session.execute(select(Assessment).where(Assessment.case_id == case_id)).scalar_one()
    assert assessment.assessed_by == "hashdb" and assessment.media_id is not None
