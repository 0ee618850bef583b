"""The ``vigil lists`` and ``vigil stats`` commands, end to end on each backend."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.hashlists.helpers import fake_hashes, vics_media, write_vics
from vigil.cli.main import app
from vigil.config import Settings
from vigil.formats.vics import VICS as VICS_FORMAT
from vigil.hashlists.service import HashDatabase

pytestmark = pytest.mark.slow


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_import_publish_export_show_compare(db_env: Settings, tmp_path: Path, vics_conformance: Path) -> None:
    dry = _run(
        "lists", "import", str(vics_conformance / "NSRL-CAID-AVI.json"), "--format", "vics",
        "--contributor", "NIST", "--kind", "other", "--country", "US", "--list", "nsrl", "--dry-run",
    )  # fmt: skip
    assert "dry run, nothing written" in dry and "added 30, merged 0, skipped 0, rejected 0" in dry
    out = _run(
        "lists", "import", str(vics_conformance / "NSRL-CAID-AVI.json"), "--format", "vics",
        "--contributor", "NIST", "--kind", "other", "--country", "US", "--list", "nsrl",
    )  # fmt: skip
    assert "added 30, merged 0, skipped 0, rejected 0" in out
    assert "category '8' is not one of vics-us" in out
    again = ["--format", "vics", "--contributor", "NIST", "--list", "nsrl"]
    out = _run("lists", "import", str(vics_conformance / "NSRL-CAID-AVI.json"), *again)
    assert "nothing changed" in out and "skipped 30" in out

    md5s = tmp_path / "force.txt"
    avi = json.loads((vics_conformance / "NSRL-CAID-AVI.json").read_text())["value"]
    md5s.write_text(
        "MD5\n" + "\n".join(m["MD5"].upper() for m in avi[:5]) + "\n" + fake_hashes("z")["md5"] + "\n"
    )
    _run("lists", "import", str(md5s), "--format", "md5sum", "--contributor", "Force", "--list", "domestic")

    assert "nsrl version 1: 30 entries" in _run("lists", "publish", "nsrl")
    assert "unchanged since version 1" in _run("lists", "publish", "nsrl")
    target = tmp_path / "nsrl.csv"
    _run("lists", "export", "nsrl", "--format", "csv", "-o", str(target))
    lines = target.read_text().splitlines()
    assert (
        lines[0].startswith("sha256,md5,sha1,pdq,category,scheme") is False
    )  # photodna sits before category
    assert lines[0].split(",")[:4] == ["sha256", "md5", "sha1", "pdq"] and {"category", "scheme"} <= set(
        lines[0].split(",")
    )
    assert len(lines) == 31
    vics_out = tmp_path / "nsrl.json"
    _run("lists", "export", "nsrl", "--format", "vics", "--profile", "us", "-o", str(vics_out))
    assert "/US/$metadata#Media" in json.loads(vics_out.read_text())["@odata.context"]

    out = _run("lists", "compare", "domestic", "nsrl", "--show", "2")
    assert "both: 5" in out and "only in domestic: 1" in out and "only in nsrl: 25" in out
    out = _run("lists", "show")
    assert "nsrl" in out and "domestic" in out and "baseline" in out
    assert "version" in _run("lists", "show", "nsrl")
    _run("lists", "create", "cat1", "--contributor", "NIST", "--category", "vics-us:1", "--signal", "md5")
    assert "cat1 version 1: 0 entries" in _run("lists", "publish", "cat1")
    assert "intact" in _run("audit", "verify")


def test_user_errors_exit_by_category(db_env: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.json"
    bad.write_text('{"value": [')
    result = runner.invoke(app, ["lists", "import", str(bad), "--format", "vics", "--contributor", "X"])
    # A malformed file is an Invalid input (exit 2); an unknown list is NotFound (exit 1).
    assert result.exit_code == 2 and "error: bad.json: " in result.output
    assert "nothing was imported" in result.output
    result = runner.invoke(app, ["lists", "import", str(bad), "--format", "nope", "--contributor", "X"])
    assert result.exit_code == 2 and "unknown format" in result.output
    result = runner.invoke(app, ["lists", "publish", "missing"])
    assert result.exit_code == 1 and "unknown hash list" in result.output
    result = runner.invoke(
        app, ["lists", "export", "missing", "--format", "csv", "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 1 and not (tmp_path / "o.csv").exists()


def test_stats_victims(db_env: Settings, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    hashdb = HashDatabase(sessions, "test")
    hashdb.import_file(
        write_vics(tmp_path / "m.json", [vics_media("s", 1, Series="S")]), VICS_FORMAT, "VID", country="SE"
    )
    for year, n in ((2021, 4), (2022, 5)):
        for k in range(n):
            hashdb.identify_victim(hashdb.add_victim("S", f"{year}-{k}", "VID"), date(year, 6, 1), "VID")
    plot = tmp_path / "victims.png"
    out = _run("stats", "victims", "--plot", str(plot))
    assert "2022" in out and "+25.0%" in out and "met" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
