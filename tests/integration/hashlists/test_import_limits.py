"""Import limits on each backend: hostile files fail fast and change nothing, over-long values are rejected.

The deeply nested VICS files are imported by ``vigil lists import`` in a subprocess whose address space is
capped: before the bounds, a 200 KB file grew past 20 GB (MemoryError under a cap).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hashlists.helpers import counts, fake_hashes, fake_pdq, vics_media, write_vics
from vigil.config import Settings
from vigil.formats.base import FormatError
from vigil.formats.csv import CSV
from vigil.formats.limits import ReadLimits
from vigil.formats.md5sum import MD5SUM
from vigil.formats.pytx import PYTX
from vigil.formats.vics import VICS
from vigil.hashlists.models import Classification, Media, MediaSeries, MediaSignal, Series
from vigil.hashlists.service import HashDatabase

#: Address space of the importing process. The import of a small file needs about 300 MB of it (measured
#: by lowering the cap until the import failed); before the bounds, the deep files below needed > 20 GB.
MEMORY_CAP = 1024 * 1024 * 1024
DEEP = 100_000
TEN_MB = 10 * 1024 * 1024
IMPORT_OPTIONS = ("--contributor", "Hostile", "--kind", "other", "--list", "hostile")


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def vigil_import(path: Path, fmt: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", "lists", "import", str(path), "--format", fmt, *IMPORT_OPTIONS],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        preexec_fn=_cap_memory,
        timeout=300,
        check=False,
    )


def _deep_vics(path: Path, where: str) -> Path:
    good = json.dumps(vics_media("fine")).encode()
    bad = b'{"MD5":"' + fake_hashes("deep")["md5"].encode() + b'"'
    nesting = b"[" * DEEP + b"]" * DEEP
    body = {"exifs": bad + b',"Exifs":' + nesting + b"}", "value": nesting}[where]
    context = b'"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"'
    path.write_bytes(b"{" + context + b',"value":[' + good + b"," + body + b"]}")
    assert 200_000 <= path.stat().st_size < 210_000
    return path


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("exifs", "record 2: JSON nested deeper than 32 levels (VIGIL_IMPORT_MAX_DEPTH)"),
        ("value", "'value' holds arrays: not VICS JSON"),
    ],
)
def test_deeply_nested_vics_fails_fast_under_a_memory_cap(
    db_env: Settings, sessions: sessionmaker[Session], tmp_path: Path, where: str, message: str
) -> None:
    HashDatabase(sessions, "test").import_file(
        write_vics(tmp_path / "a.json", [vics_media("kept")]), VICS, "A"
    )
    before = counts(sessions)
    result = vigil_import(_deep_vics(tmp_path / f"deep-{where}.json", where), "vics")
    assert result.returncode == 2, result.stderr
    assert f"error: deep-{where}.json: {message}; nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and "MemoryError" not in result.stderr
    assert counts(sessions) == before


def test_record_cap_is_a_setting(db_env: Settings, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = write_vics(tmp_path / "six.json", [vics_media(f"r{i}") for i in range(6)])
    before = counts(sessions)
    result = vigil_import(path, "vics", VIGIL_IMPORT_MAX_RECORDS="5")
    assert result.returncode == 2
    assert "more than 5 records (VIGIL_IMPORT_MAX_RECORDS); nothing was imported" in result.stderr
    assert counts(sessions) == before
    assert vigil_import(path, "vics", VIGIL_IMPORT_MAX_RECORDS="6").returncode == 0
    assert counts(sessions)["media"] == before["media"] + 6


def test_huge_category_is_rejected_and_not_echoed(
    db_env: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "huge.csv"
    good, bad = fake_hashes("good"), fake_hashes("bad")
    path.write_text(f"md5,category\n{bad['md5']},{'1' * TEN_MB}\n{good['md5']},1\n")
    result = vigil_import(path, "csv")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) + len(result.stderr) < 2000
    assert "rejected 1: column 'category' longer than 1,048,576 characters" in result.stdout
    with sessions() as session:
        assert session.execute(select(Media.md5)).scalars().all() == [good["md5"]]
        assert session.execute(select(func.max(func.length(Classification.raw_code)))).scalar_one() == 1


def _stored(sessions: sessionmaker[Session]) -> tuple[set[str | None], int]:
    """MD5s of the stored media, and the length of the longest stored text value."""
    with sessions() as session:
        md5s = set(session.execute(select(Media.md5)).scalars())
        longest = max(
            session.execute(select(func.max(func.length(column)))).scalar_one() or 0
            for column in (
                Classification.raw_code,
                MediaSignal.value,
                MediaSignal.signal_type,
                Media.mime_type,
                Series.name,
            )
        )
        assert session.execute(select(func.count()).select_from(MediaSeries)).scalar_one() <= 1
    return md5s, longest


def test_vics_fields_over_their_maximum_reject_the_record(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    media = [
        vics_media("category", category=None, Category="1" * TEN_MB),
        vics_media("photodna", PhotoDNA="P" * TEN_MB),
        vics_media("long-photodna", PhotoDNA="P" * 65_537),
        vics_media("short-category", category=None, Category="C" * 33),
        vics_media("mime", MimeType="image/" + "x" * 250),
        vics_media("series", Series="S" * 201),
        vics_media("alt", AlternativeHashes=[{"HashName": "H" * 33, "HashValue": "v"}]),
        vics_media(
            "fits",
            category=None,
            Category="C" * 32,
            PhotoDNA="P" * 65_536,
            MimeType="m" * 255,
            Series="S" * 200,
        ),
    ]
    summary = hashdb.import_file(write_vics(tmp_path / "long.json", media), VICS, "Long", kind="other")
    assert (summary.added, summary.rejected) == (1, 7)
    assert dict(summary.rejection_reasons) == {
        "Category: a string longer than 1,048,576 characters": 1,
        "PhotoDNA: a string longer than 1,048,576 characters": 1,
        "photodna value longer than 65,536 characters": 1,
        "category longer than 32 characters": 1,
        "MIME type longer than 255 characters": 1,
        "series longer than 200 characters": 1,
        "signal type longer than 32 characters": 1,
    }
    assert [where for where, _ in summary.rejection_examples] == [f"record {i}" for i in range(1, 8)]
    assert _stored(sessions) == ({fake_hashes("fits")["md5"]}, 65_536)


def test_csv_fields_over_their_maximum_reject_the_record(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        ("category", "", "1" * 33, "", "", ""),
        ("scheme", "", "1", "s" * 65, "", ""),
        ("photodna", "P" * 65_537, "", "", "", ""),
        ("mime", "", "", "", "m" * 256, ""),
        ("series", "", "", "", "", "S" * 201),
        ("field", "", "1" * 2_000_000, "", "", ""),
        ("fits", "P" * 65_536, "1", "", "m" * 255, "S" * 200),
    ]
    lines = ["md5,photodna,category,scheme,mime_type,series"]
    lines += [",".join([fake_hashes(seed)["md5"], *values]) for seed, *values in rows]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n")
    summary = hashdb.import_file(path, CSV, "Long", kind="other")
    assert (summary.added, summary.rejected) == (1, 6)
    assert set(summary.rejection_reasons) == {
        "category longer than 32 characters",
        "scheme longer than 64 characters",
        "photodna value longer than 65,536 characters",
        "MIME type longer than 255 characters",
        "series longer than 200 characters",
        "column 'category' longer than 1,048,576 characters",
    }
    assert _stored(sessions) == ({fake_hashes("fits")["md5"]}, 65_536)


def test_csv_sizes_beyond_a_column_reject_the_record(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # Found by the long fuzz run: a size past 64 bits reached the INSERT and ended the import with an
    # OverflowError (SQLite) / out-of-range error (PostgreSQL) instead of a rejected record.
    sizes = {"huge": "9" * 32, "negative": "-1", "max": str(2**63 - 1), "past": str(2**63)}
    lines = ["md5,size"] + [f"{fake_hashes(seed)['md5']},{size}" for seed, size in sizes.items()]
    path = tmp_path / "sizes.csv"
    path.write_text("\n".join(lines) + "\n")
    summary = hashdb.import_file(path, CSV, "Sizes", kind="other")
    assert (summary.added, summary.rejected) == (1, 3)
    assert summary.rejection_reasons == {
        "size out of range (0 to 9,223,372,036,854,775,807)": 2,
        "size is not a number: '-1'": 1,
    }
    assert _stored(sessions)[0] == {fake_hashes("max")["md5"]}


def test_pytx_fields_over_their_maximum_reject_the_record(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "long.txt"
    path.write_text(
        f"{'t' * 33} value\nphotodna {'P' * 65_537}\nphotodna {'P' * 65_536}\npdq {fake_pdq('x')}\n"
    )
    summary = hashdb.import_file(path, PYTX, "Long", kind="other")
    assert (summary.added, summary.rejected) == (2, 2)
    assert summary.rejection_examples == [
        ("line 1", "signal type longer than 32 characters"),
        ("line 2", "photodna value longer than 65,536 characters"),
    ]
    assert _stored(sessions)[1] == 65_536


def test_md5sum_lines_are_bounded(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    md5s = [fake_hashes(str(i))["md5"] for i in range(3)]
    path = tmp_path / "names.md5"
    # A long file name is not kept: the line imports; a line past the record bound fails the file.
    path.write_text(f"{md5s[0]}  {'n' * 1_000_000}\n{md5s[1]}  name\n")
    assert hashdb.import_file(path, MD5SUM, "Names", kind="other").added == 2
    before = counts(sessions)
    path.write_text(f"{md5s[2]}  name\n{md5s[0]}  {'n' * 2000}\n")
    with pytest.raises(FormatError, match="line 2: more than 1,000 characters in one record"):
        hashdb.import_file(path, MD5SUM, "Names", limits=ReadLimits(max_record_bytes=1000))
    assert counts(sessions) == before


def test_distinct_rejection_reasons_are_bounded(hashdb: HashDatabase, tmp_path: Path) -> None:
    path = tmp_path / "junk.md5"
    path.write_text("".join(f"{i:0>31}z\n" for i in range(150)) + fake_hashes("ok")["md5"] + "\n")
    summary = hashdb.import_file(path, MD5SUM, "Junk", kind="other")
    assert (summary.added, summary.rejected) == (1, 150)
    assert len(summary.rejection_reasons) == 101 and summary.rejection_reasons["other reasons"] == 50
    assert sum(summary.rejection_reasons.values()) == 150
