"""Published list entries keep their item's MIME type, on SQLite and PostgreSQL: a version read back,
its CSV and VICS exports and its deltas say a video without a vPDQ is a video; an entry without a MIME
type is exported as before; a MIME type learnt after publication is a changed entry of the next version,
whose digest (which leaves the MIME type out) stays the previous one's."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.integration.hashlists.helpers import fake_hashes
from vigil.formats.csv import CSV
from vigil.formats.vics import VICS
from vigil.hashlists.lists import get_list
from vigil.hashlists.publish import version_entries
from vigil.hashlists.records.version_diff import version_diff
from vigil.hashlists.service import HashDatabase

pytestmark = pytest.mark.slow

HEADER = ["sha256", "md5", "sha1", "size", "mime_type"]


def _listing(path: Path, items: dict[str, str]) -> Path:
    """A CSV of one row per seed, with its MIME type ("" for none)."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for seed, mime in items.items():
            h = fake_hashes(seed)
            writer.writerow([h["sha256"], h["md5"], h["sha1"], "100", mime])
    return path


def test_a_published_version_and_its_exports_carry_the_mime_type(
    hashdb: HashDatabase, tmp_path: Path
) -> None:
    listing = _listing(tmp_path / "in.csv", {"clip": "video/mp4", "photo": ""})
    hashdb.import_file(listing, CSV, "Hotline", kind="hotline", country="NL", list_name="L")
    assert hashdb.publish("L").entries == 2
    clip, photo = fake_hashes("clip")["md5"], fake_hashes("photo")["md5"]
    with hashdb.sessions() as session:
        read = {r.md5: r.mime_type for _, r in version_entries(session, get_list(session, "L"), 1)}
    assert read == {clip: "video/mp4", photo: None}

    out = io.BytesIO()
    assert hashdb.export("L", CSV, out).written == 2
    rows = {row["md5"]: row for row in csv.DictReader(io.StringIO(out.getvalue().decode()))}
    assert (rows[clip]["mime_type"], rows[photo]["mime_type"]) == ("video/mp4", "")

    out = io.BytesIO()
    assert hashdb.export("L", VICS, out).written == 2
    media = {m["MD5"].lower(): m for m in json.loads(out.getvalue())["value"]}
    assert media[clip]["MimeType"] == "video/mp4"
    assert "MimeType" not in media[photo]  # an entry without one is written as it was before


def test_a_mime_type_learnt_later_is_a_changed_entry(hashdb: HashDatabase, tmp_path: Path) -> None:
    hashdb.import_file(_listing(tmp_path / "a.csv", {"clip": "", "photo": ""}), CSV, "Hotline", list_name="L")
    first = hashdb.publish("L")
    hashdb.import_file(_listing(tmp_path / "b.csv", {"clip": "video/webm"}), CSV, "Hotline", list_name="L")
    second = hashdb.publish("L")
    assert (second.version, second.added, second.removed, second.changed) == (2, 0, 0, 1)
    assert second.digest == first.digest  # the digest leaves the MIME type out
    ((_, record),) = hashdb.delta("L", 1)
    assert record is not None and (record.md5, record.mime_type) == (fake_hashes("clip")["md5"], "video/webm")
    with hashdb.sessions() as session:
        diff = version_diff(session, get_list(session, "L"), 1, 2)
    assert (diff.added, diff.removed, diff.changed) == (0, 0, 1)
    assert not hashdb.publish("L").new_version
