"""Known content arrives classified: a re-encoded copy of a listed image (other bytes, near PDQ) is
matched through the published lists' index and never reaches the triage queue."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import (
    CONTRIBUTOR,
    T0,
    hotline_settings,
    seed_known,
    smtp_server,
    write_directory,
    write_images,
)
from tests.integration.hotline.servers import Page, StubResolver, http_site
from vigil.config import Settings
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase
from vigil.hotline.clock import ManualClock
from vigil.hotline.ipdata import NoIpData
from vigil.hotline.models import Assessment
from vigil.hotline.runtime import build_hotline
from vigil.hotline.service import HotlineService
from vigil.matching import Matcher


def test_pdq_match_through_the_published_lists(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    images = write_images(tmp_path / "img", [91])
    seed_known(sessions, tmp_path, images)
    db = HashDatabase(sessions, "test")
    db.create_list("hotline", CONTRIBUTOR, SelectionRules(categories=("vics-us:1",)), (), "for the hotline")
    db.publish("hotline")
    matcher = Matcher(sessions, tmp_path / "index", poll_seconds=0)
    matcher.refresh()
    copy = io.BytesIO()
    Image.open(images[0]).resize((300, 225)).save(copy, "JPEG", quality=70)
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
        service = HotlineService(hl, "test")
        case_id = service.submit(site.put("good.example", "/copy.jpg", Page(body=copy.getvalue()))).case_id
        assert service.process(case_id) == "notified"
        assert service.triage_queue() == []
    with sessions() as session:
        assessment = session.execute(select(Assessment).where(Assessment.case_id == case_id)).scalar_one()
    assert (assessment.assessed_by, assessment.scheme, assessment.category, assessment.verdict) == (
        "hashdb",
        "vics-us",
        "1",
        "illegal",
    )
    assert assessment.media_id is not None
