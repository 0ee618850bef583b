"""The baseline (worst-of) list and the acceptance rule of each scheme."""

from __future__ import annotations

from pathlib import Path

from tests.integration.hashlists.helpers import fake_hashes, vics_media, write_vics
from vigil.formats.vics import VICS
from vigil.hashlists.service import HashDatabase


def _baseline_md5s(hashdb: HashDatabase) -> set[str]:
    version = hashdb.show("baseline").versions[-1].version
    return {r.md5 for _, r in hashdb.delta("baseline", 0, version) if r is not None and r.md5}


def test_worst_of_needs_every_jurisdiction_and_two_countries(hashdb: HashDatabase, tmp_path: Path) -> None:
    media = [vics_media("w1", 1), vics_media("w2", 1), vics_media("w3", 1)]
    hashdb.import_file(
        write_vics(tmp_path / "us.json", media), VICS, "US agency", kind="law_enforcement", country="US"
    )
    assert _baseline_md5s(hashdb) == set()  # one country only

    hashdb.import_file(
        write_vics(tmp_path / "ca.json", media[:2]), VICS, "CA agency", kind="law_enforcement", country="CA"
    )
    w1, w2 = fake_hashes("w1")["md5"], fake_hashes("w2")["md5"]
    assert _baseline_md5s(hashdb) == {w1, w2}
    assert hashdb.show("baseline").versions[-1].version == 2  # recomputed and versioned on change

    # The UK's analysts grade w2 "not indecent": CAID needs three concurring votes before that counts.
    assert hashdb.add_contributor("UK CAID", "law_enforcement", "GB")
    assert not hashdb.add_contributor("UK CAID", "law_enforcement", "GB")
    for analyst in ("one", "two"):
        status = hashdb.vote(w2, "uk-caid", "not-indecent", "UK CAID", analyst)
        assert status.accepted and len(status.accepted) == 1 and status.baseline
    status = hashdb.vote(w2, "uk-caid", "not-indecent", "UK CAID", "three")
    assert len(status.accepted) == 2 and not status.baseline
    assert _baseline_md5s(hashdb) == {w1}

    # Three CAID votes for A on w3 make the UK agree with the US: baseline with two countries.
    w3 = fake_hashes("w3")["md5"]
    for analyst in ("one", "two", "three"):
        status = hashdb.vote(w3, "uk-caid", "A", "UK CAID", analyst)
    assert status.baseline
    assert _baseline_md5s(hashdb) == {w1, w3}


def test_an_analyst_changing_their_vote(hashdb: HashDatabase, tmp_path: Path) -> None:
    hashdb.import_file(
        write_vics(tmp_path / "x.json", [vics_media("v", None)]), VICS, "UK CAID", country="GB"
    )
    md5 = fake_hashes("v")["md5"]
    for analyst in ("one", "two", "three"):
        status = hashdb.vote(md5, "uk-caid", "B", "UK CAID", analyst)
    assert len(status.accepted) == 1
    status = hashdb.vote(md5, "uk-caid", "C", "UK CAID", "three")  # only the latest vote of "three" counts
    assert status.accepted == []
