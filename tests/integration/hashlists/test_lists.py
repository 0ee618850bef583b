"""Hash lists: rules, immutable published versions, deltas since a checkpoint, comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.hashlists.helpers import fake_hashes, fake_pdq, vics_media, write_vics
from vigil.formats.csv import CSV
from vigil.formats.md5sum import MD5SUM
from vigil.formats.vics import VICS
from vigil.hashlists.catalog import CatalogError
from vigil.hashlists.lists import ListError
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase


def _md5(seed: str) -> str:
    return fake_hashes(seed)["md5"]


@pytest.mark.slow
def test_versions_are_immutable_and_deltas_follow(hashdb: HashDatabase, tmp_path: Path) -> None:
    hashdb.import_file(
        write_vics(tmp_path / "1.json", [vics_media("a"), vics_media("b")]), VICS, "H", list_name="L"
    )
    v1 = hashdb.publish("L")
    assert (v1.version, v1.entries, v1.added, v1.new_version) == (1, 2, 2, True)
    again = hashdb.publish("L")
    assert (again.version, again.new_version, again.digest) == (1, False, v1.digest)

    # b gets a second (more severe) opinion and c arrives: version 2 changes b, adds c
    hashdb.import_file(write_vics(tmp_path / "2.json", [vics_media("c")]), VICS, "H", list_name="L")
    csv_file = tmp_path / "sha.csv"
    csv_file.write_text(f"md5,sha256\n{_md5('b')},{fake_hashes('b')['sha256']}\n")
    hashdb.import_file(csv_file, CSV, "Other")
    v2 = hashdb.publish("L")
    assert (v2.version, v2.entries, v2.added, v2.removed, v2.changed) == (2, 3, 1, 0, 1)

    out = tmp_path / "v1.csv"
    with out.open("wb") as f:
        assert hashdb.export("L", CSV, f, version=1).written == 2
    assert fake_hashes("b")["sha256"] not in out.read_text()  # version 1 stays as it was published

    changes = {media_id: record for media_id, record in hashdb.delta("L", since=1)}
    assert sorted(r.md5 or "" for r in changes.values() if r) == sorted([_md5("b"), _md5("c")])
    assert all(r is not None for r in changes.values())
    full = hashdb.delta("L", since=0)
    assert len(full) == 3 and all(r is not None for _, r in full)
    assert hashdb.delta("L", since=2) == []
    with pytest.raises(ListError, match="checkpoint 5"):
        hashdb.delta("L", since=5)


def test_removal_appears_as_none_in_deltas(hashdb: HashDatabase, tmp_path: Path) -> None:
    hashdb.import_file(write_vics(tmp_path / "a.json", [vics_media("r1", 1), vics_media("r2", 2)]), VICS, "H")
    hashdb.create_list("cat1", "H", SelectionRules(categories=("vics-us:1",)))
    assert hashdb.publish("cat1").entries == 1
    # a second contributor's vote does not change vics-us acceptance of r1 (1 vote needed; most severe wins)
    hashdb.import_file(
        write_vics(tmp_path / "b.json", [vics_media("r1", 0)]), VICS, "H"
    )  # H changes its mind
    v2 = hashdb.publish("cat1")
    assert (v2.version, v2.entries, v2.removed) == (2, 0, 1)
    ((_, gone),) = hashdb.delta("cat1", since=1)
    assert gone is None
    assert hashdb.delta("cat1", since=0) == []  # added and removed after the checkpoint: nothing to do


def test_rules_select_and_project(hashdb: HashDatabase, tmp_path: Path) -> None:
    media = [
        vics_media("p1", 1, AlternativeHashes=[{"HashName": "PDQ", "HashValue": fake_pdq("p1")}]),
        vics_media("p2", 2),
        vics_media("p3", 1),
    ]
    hashdb.import_file(
        write_vics(tmp_path / "m.json", media), VICS, "US hotline", kind="hotline", country="US"
    )
    hashdb.create_list(
        "industry",
        "US hotline",
        SelectionRules(categories=("vics-us:1",), signal_types=("pdq", "md5")),
        recipients=("industry",),
    )
    result = hashdb.publish("industry")
    assert result.entries == 2
    out = tmp_path / "industry.csv"
    with out.open("wb") as f:
        hashdb.export("industry", CSV, f)
    lines = out.read_text().splitlines()
    assert lines[0] == "sha256,md5,sha1,pdq,photodna,category,scheme,size,mime_type,vpdq,pdq_regions"
    assert fake_pdq("p1") in out.read_text()
    assert fake_hashes("p1")["sha1"] not in out.read_text()  # SHA-1 is not published by this list
    assert all(line.split(",")[5:7] == ["1", "vics-us"] for line in lines[1:])
    assert hashdb.show("industry").info.recipients == ["industry"]
    with pytest.raises(CatalogError):
        hashdb.create_list("bad", "US hotline", SelectionRules(categories=("vics-us:9",)))
    with pytest.raises(ListError, match="exists"):
        hashdb.create_list("industry", "US hotline")


def test_compare_lists(hashdb: HashDatabase, tmp_path: Path) -> None:
    hashdb.import_file(
        write_vics(tmp_path / "shared.json", [vics_media(s) for s in "abcd"]),
        VICS,
        "ICSE",
        list_name="shared",
    )
    domestic = tmp_path / "domestic.txt"
    domestic.write_text("\n".join(fake_hashes(s)["md5"] for s in "cdef") + "\n")
    hashdb.import_file(domestic, MD5SUM, "Force", list_name="domestic")
    hashdb.publish("shared")
    result = hashdb.compare("domestic", "shared")
    assert (len(result.both), len(result.only_a), len(result.only_b)) == (2, 2, 2)
    assert (result.a_source, result.b_source) == ("current selection", "version 1")
    shown = hashdb.describe_media(result.both)
    assert sorted(r.md5 or "" for r in shown) == sorted(fake_hashes(s)["md5"] for s in "cd")
    assert [info.name for info in hashdb.lists()] == ["baseline", "domestic", "shared"]


def test_export_needs_a_published_version(hashdb: HashDatabase, tmp_path: Path) -> None:
    hashdb.import_file(write_vics(tmp_path / "a.json", [vics_media("a")]), VICS, "H", list_name="L")
    with (tmp_path / "out").open("wb") as f, pytest.raises(ListError, match="publish it first"):
        hashdb.export("L", CSV, f)
    with pytest.raises(ListError, match="unknown hash list"):
        hashdb.publish("nope")


@pytest.mark.parametrize("version", [2**64, 10**30, 2**31, 0, -1])
def test_version_beyond_the_column_is_no_version(hashdb: HashDatabase, tmp_path: Path, version: int) -> None:
    """Issue 20: a number the database cannot store is 'no such version', not an overflow in the driver."""
    hashdb.import_file(write_vics(tmp_path / "a.json", [vics_media("a")]), VICS, "H", list_name="L")
    hashdb.publish("L")
    with (tmp_path / "out").open("wb") as f, pytest.raises(ListError, match=f"no version {version}"):
        hashdb.export("L", CSV, f, version=version)
