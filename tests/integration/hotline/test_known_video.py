"""A reported URL whose body is a video: hashed (vPDQ) and matched through the published lists, like a
picture. A trimmed, re-encoded copy of a listed benign generated clip is known content; the case names
where in both videos the match is. An unrelated clip waits for an analyst."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import CONTRIBUTOR, T0, hotline_settings, smtp_server, write_directory
from tests.integration.hotline.servers import Page, StubResolver, http_site
from tests.videofiles import clip
from tests.videotrim import trimmed
from vigil.config import Settings
from vigil.formats.csv import CSV
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase
from vigil.hotline.clock import ManualClock
from vigil.hotline.ipdata import NoIpData
from vigil.hotline.models import Assessment, CaseEvent
from vigil.hotline.runtime import build_hotline, fetched_videos
from vigil.hotline.service import HotlineService
from vigil.matching import Matcher
from vigil.signals.content import HashOptions, VideoOptions, hash_bytes


def test_a_fetched_video_is_matched_through_the_lists(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    listed = clip(60, 10, (320, 240), seed=3)
    value = hash_bytes("v.mp4", listed, HashOptions(video=VideoOptions())).signals.values["vpdq"]
    listing = tmp_path / "videos.csv"
    listing.write_text(f'md5,vpdq,category,scheme\n{hashlib.md5(listed).hexdigest()},"{value}",1,vics-us\n')
    db = HashDatabase(sessions, "test")
    db.add_contributor(CONTRIBUTOR, "hotline", "US")
    db.import_file(listing, CSV, CONTRIBUTOR)
    db.create_list("hotline", CONTRIBUTOR, SelectionRules(categories=("vics-us:1",)), (), "for the hotline")
    db.publish("hotline")
    matcher = Matcher(sessions, tmp_path / "index", poll_seconds=0)
    matcher.refresh()
    with http_site() as site, smtp_server() as inbox:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        hl = build_hotline(
            settings,
            sessions,
            clock=ManualClock(T0),
            resolver=StubResolver({"good.example": ["127.0.0.1"]}),
            ipdata=NoIpData(),
            matcher=matcher,
        )
        assert hl.hash_options.video == fetched_videos(settings)
        assert hl.hash_options.video.limits.max_bytes <= settings.hotline_fetch_max_bytes
        service = HotlineService(hl, "test")
        copy = trimmed(listed, 20, (240, 180))
        known = service.submit(site.put("good.example", "/clip.avi", Page(body=copy))).case_id
        other = clip(60, 10, (320, 240), seed=9)
        unknown = service.submit(site.put("good.example", "/other.mp4", Page(body=other))).case_id
        site.put("good.example", "/v/1.avi", Page(body=copy))
        html = b'<!doctype html><html><body><video src="/v/1.avi"></video></body></html>'
        page = site.put("good.example", "/watch/", Page(body=html, headers={"Content-Type": "text/html"}))
        on_page = service.submit(page).case_id
        assert service.process(known) == "notified"
        assert service.process(unknown) == "triage"
        # A page showing the copy: its video item is hashed and matched the same way.
        assert service.process(on_page) == "notified"
    with sessions() as session:
        assessment = session.execute(select(Assessment).where(Assessment.case_id == known)).scalar_one()
        events = session.execute(select(CaseEvent).where(CaseEvent.kind == "match.video")).scalars().all()
    assert (assessment.assessed_by, assessment.category, assessment.verdict) == ("hashdb", "1", "illegal")
    [event, item_event] = sorted(events, key=lambda e: e.case_id)
    assert (item_event.case_id, item_event.details["item"]) == (on_page, 0)
    assert item_event.details["compared_ranges"] == [[2.0, 5.0]]
    assert event.case_id == known and event.details["list"] == "hotline" and "item" not in event.details
    assert event.details["query_percent"] == 100.0 and event.details["distance"] == 0
    # Seconds 0-3 of the reported copy are seconds 2-5 of the listed video.
    assert event.details["query_ranges"] == [[0.0, 3.0]]
    assert event.details["compared_ranges"] == [[2.0, 5.0]]
