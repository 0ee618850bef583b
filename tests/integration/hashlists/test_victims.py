"""Series, victims and the victim-identification figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.integration.hashlists.helpers import fake_hashes, vics_media, write_vics
from vigil.formats.vics import VICS
from vigil.hashlists.service import HashDatabase
from vigil.hashlists.victims import VictimError

pytestmark = pytest.mark.slow


def test_figures(hashdb: HashDatabase, tmp_path: Path) -> None:
    hashdb.add_contributor("VID unit", "law_enforcement", "NL")
    media = [vics_media(f"v{i}", 1, Series="Series A" if i < 3 else "Series B") for i in range(6)]
    hashdb.import_file(write_vics(tmp_path / "m.json", media), VICS, "VID unit")
    identified_per_year = {2022: 10, 2023: 11, 2024: 11}
    victims = []
    for year, n in identified_per_year.items():
        for k in range(n):
            victim = hashdb.add_victim("Series A", f"victim {year}-{k}", "VID unit", country="NL")
            hashdb.identify_victim(victim, date(year, 3, 1), "VID unit")
            victims.append(victim)
    unidentified = hashdb.add_victim("Series B", "victim open", "VID unit")
    assert hashdb.link_media_victim(fake_hashes("v0")["md5"], victims[0], "VID unit")
    assert not hashdb.link_media_victim(fake_hashes("v0")["md5"], victims[0], "VID unit")
    assert hashdb.link_media_victim(fake_hashes("v4")["sha1"], unidentified, "VID unit")
    with pytest.raises(VictimError, match="was identified"):
        hashdb.identify_victim(victims[0], date(2025, 1, 1), "VID unit")

    figures = hashdb.victim_figures()
    assert [(y.year, y.identified, y.cumulative) for y in figures.years] == [
        (2022, 10, 10),
        (2023, 11, 21),
        (2024, 11, 32),
    ]
    assert [y.meets_goal for y in figures.years] == [None, True, False]
    assert figures.years[1].growth == pytest.approx(0.10)
    assert (figures.series, figures.victims, figures.identified) == (2, 33, 32)
    assert (figures.media_with_victim, figures.media_with_identified_victim) == (2, 1)
    assert figures.share_identified == 0.5


def test_empty_figures(hashdb: HashDatabase) -> None:
    figures = hashdb.victim_figures()
    assert (figures.years, figures.series, figures.share_identified) == ([], 0, None)
