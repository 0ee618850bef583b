"""The console's read models of the hash database, on SQLite and PostgreSQL: search by a signal of any
registered type (exact in the database, near through the list indexes), search by content (a rotated
copy of a generated picture found by dihedral PDQ), an item's details (votes per jurisdiction with who and
when, accepted categories, series, victims, provenance per contributor), votes by item id, conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hashlists.helpers import fake_hashes, fake_pdq, vics_media, write_vics
from tests.integration.hotline.parts import write_images
from vigil.demo.seed import hash_listing
from vigil.errors import Invalid, NotFound
from vigil.formats.csv import CSV
from vigil.formats.vics import VICS
from vigil.hashlists.records import details, search
from vigil.hashlists.service import HashDatabase
from vigil.matching import Matcher
from vigil.signals.content import HashOptions, hash_bytes

pytestmark = pytest.mark.slow


def _seed(db: HashDatabase, tmp_path: Path) -> None:
    db.add_contributor("VID unit", "law_enforcement", "NL")
    db.add_contributor("Hotline GB", "hotline", "GB")
    pdq = [{"HashName": "PDQ", "HashValue": fake_pdq("a")}]
    media = [vics_media("a", 1, Series="Series A", AlternativeHashes=pdq), vics_media("b", 1)]
    db.import_file(write_vics(tmp_path / "police.json", media), VICS, "VID unit", list_name="shared")
    db.import_file(write_vics(tmp_path / "gb.json", [vics_media("a", 2)]), VICS, "Hotline GB")


def test_search_details_votes_and_conflicts(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    db = HashDatabase(sessions, "test")
    _seed(db, tmp_path)
    a = fake_hashes("a")
    victim = db.add_victim("Series A", "victim one", "VID unit")
    db.link_media_victim(a["md5"], victim, "VID unit")
    db.publish("shared")
    matcher = Matcher(sessions, tmp_path / "snapshots", poll_seconds=0)
    matcher.refresh()

    with sessions() as session:
        by_md5 = search.exact(session, [("md5", search.canonical("md5", a["md5"].upper()))])
        assert [(h.md5, h.signal, h.distance) for h in by_md5] == [(a["md5"], "md5", 0)]
        media_id = by_md5[0].media_id
        by_pdq = search.exact(session, [("pdq", fake_pdq("a"))])
        assert [h.media_id for h in by_pdq] == [media_id]
        # A PDQ 3 bits away: not in the database, near in the published list.
        flipped = f"{int(fake_pdq('a'), 16) ^ 0b111:064x}"
        assert search.exact(session, [("pdq", flipped)]) == []
        near = search.near(session, matcher.lookup("pdq", [flipped])[0])
        assert [(h.media_id, h.distance, h.list) for h in near] == [(media_id, 3, "shared")]
        assert [h.distance for h in search.merge(by_pdq, near)] == [0]
        with pytest.raises(ValueError, match="unknown signal type"):
            search.canonical("nonsense", "00")
        with pytest.raises(ValueError):
            search.canonical("md5", "not hex")

    # Two opinions under 'us' (VICS files vote under the contributor's country's jurisdiction, else the
    # scheme's first): category 1 from the police, 2 from the hotline; then an analyst's vote by id.
    db.vote_on(media_id, "vics-us", "1", "Hotline GB", "ana")
    db.vote_on(media_id, "vics-us", "2", "Hotline GB", "ana")  # supersedes ana's first vote
    with pytest.raises(Invalid):
        db.vote_on(media_id, "vics-us", "Z", "Hotline GB", "ana")
    with pytest.raises(NotFound):
        db.vote_on(10**9, "vics-us", "1", "Hotline GB", "ana")
    with pytest.raises(Invalid):
        db.vote_on(media_id, "vics-us", "1", "Nobody", "ana")

    with sessions() as session:
        d = details.media_details(session, media_id)
        assert d.record.md5 == a["md5"] and "shared" in d.record.lists
        us = d.votes["us"]
        assert [(v.code, v.contributor, v.analyst, v.current) for v in us] == [
            ("1", "VID unit", "", True),
            ("2", "Hotline GB", "", True),
            ("1", "Hotline GB", "ana", False),
            ("2", "Hotline GB", "ana", True),
        ]
        assert us[0].label and us[0].country == "NL"
        (accepted,) = d.accepted
        # vics-us needs one vote: 1 and 2 both reach it; the most severe wins, contested.
        assert (accepted.scheme, accepted.code, accepted.contested, accepted.verdict) == (
            "vics-us",
            "1",
            True,
            "illegal",
        )
        assert d.series == [(d.series[0][0], "Series A")]
        assert [(label, identified) for _, label, identified in d.victims] == [("victim one", False)]
        parts = {p.contributor: p for p in d.provenance}
        assert set(parts) == {"VID unit", "Hotline GB"}
        assert {"media", "signal", "vote", "series", "victim", "list"} <= set(parts["VID unit"].brought)
        assert parts["Hotline GB"].brought == ("vote",)
        assert "police.json" in parts["VID unit"].sources

        (conflict,) = details.conflicts(session)
        assert conflict.media_id == media_id and conflict.jurisdiction == "us"
        assert conflict.sides == {"1": ["VID unit"], "2": ["Hotline GB", "Hotline GB / ana"]}
        assert conflict.accepted == "1"
        with pytest.raises(NotFound):
            details.media_details(session, 10**9)
        choices = details.vote_choices(session)
        assert choices.contributors == ["Hotline GB", "VID unit"]
        assert choices.schemes["uk-caid"][0][0] == "A" and choices.jurisdictions["uk"] == "uk-caid"


def test_content_search_finds_a_rotated_copy(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """A generated picture is listed; its rotated copy has other digests but a dihedral PDQ match."""
    (picture,) = write_images(tmp_path / "img", [7])
    db = HashDatabase(sessions, "test")
    db.add_contributor("Lab", "hotline", "US")
    db.import_file(hash_listing([picture], tmp_path / "l.csv"), CSV, "Lab", list_name="pictures")
    db.publish("pictures")
    matcher = Matcher(sessions, tmp_path / "snapshots", poll_seconds=0)
    matcher.refresh()
    rotated = tmp_path / "rotated.png"
    Image.open(picture).rotate(90, expand=True).save(rotated)
    signals = hash_bytes("rotated.png", rotated.read_bytes(), HashOptions(dihedral=True)).signals
    with sessions() as session:
        assert search.exact(session, search.content_values(signals)) == []
        hits = search.near(session, matcher.match_content(signals, dihedral=True))
        assert len(hits) == 1 and hits[0].signal == "pdq" and hits[0].distance <= 31
        original = hash_bytes("p.jpg", picture.read_bytes(), HashOptions()).signals
        exact = search.exact(session, search.content_values(original))
        assert [h.media_id for h in exact] == [hits[0].media_id] and exact[0].signal == "sha256"
