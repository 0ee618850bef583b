"""The hotline names the media item that fetched content is, by a plugin's digest too (kept among the
item's signals, not as a column of the media table)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase
from vigil.hotline.known import identify
from vigil.signals.content import hash_bytes

CONTENT = b"benign bytes a plugin's digest knows\n" * 40


@pytest.mark.usefixtures("with_sha512")
def test_identify_by_a_plugin_digest(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    listing = tmp_path / "listing.csv"
    listing.write_text(f"sha512,category,scheme\n{hashlib.sha512(CONTENT).hexdigest()},1,vics-us\n")
    db = HashDatabase(sessions, "test")
    db.add_contributor("Lab", "hotline", "NL")
    db.import_file(listing, CSV, "Lab")
    fetched = hash_bytes("page.bin", CONTENT).signals
    other = hash_bytes("other.bin", CONTENT + b"!").signals
    with sessions() as session:
        found = identify(session, fetched, "NL")
        assert found.media_id is not None and found.matched_on == "sha512" and found.distance == 0
        assert identify(session, other, "NL").media_id is None
