"""Export → import round-trips through every format."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.hashlists.helpers import fake_pdq, vics_media, write_vics
from vigil.formats.base import HashSetFormat
from vigil.formats.registry import get_format
from vigil.formats.vics import VICS
from vigil.hashlists.service import HashDatabase

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fmt_name", ["vics", "csv", "md5sum", "pytx"])
def test_roundtrip(hashdb: HashDatabase, tmp_path: Path, fmt_name: str) -> None:
    fmt: HashSetFormat = get_format(fmt_name)
    media = [
        vics_media(f"r{i}", i % 5, AlternativeHashes=[{"HashName": "PDQ", "HashValue": fake_pdq(f"r{i}")}])
        for i in range(20)
    ]
    hashdb.import_file(write_vics(tmp_path / "src.json", media), VICS, "Source", list_name="source")
    hashdb.publish("source")
    exported = tmp_path / f"export.{fmt_name}"
    with exported.open("wb") as f:
        assert hashdb.export("source", fmt, f).written == 20

    summary = hashdb.import_file(exported, fmt, "Recipient", list_name="copy")
    assert (summary.added, summary.rejected) == (0, 0)
    result = hashdb.compare("copy", "source")
    assert (len(result.both), len(result.only_a), len(result.only_b)) == (20, 0, 0)

    copy = hashdb.publish("copy")
    if fmt_name in ("vics", "csv"):
        # the same entries, categories included: the digests of both versions agree
        assert copy.digest == hashdb.publish("source").digest


def test_reimporting_ones_own_export_changes_nothing(hashdb: HashDatabase, tmp_path: Path) -> None:
    media = [vics_media(f"f{i}", 1, MimeType="image/jpeg") for i in range(5)]
    hashdb.import_file(write_vics(tmp_path / "src.json", media), VICS, "Source", list_name="L")
    hashdb.publish("L")
    exported = tmp_path / "exported.json"
    with exported.open("wb") as f:
        hashdb.export("L", VICS, f)
    assert not hashdb.import_file(exported, VICS, "Source", list_name="L").changed
