"""``vigil stats takedown`` and ``vigil hotline``: figures as tables, JSON and a plot."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.hotline.parts import (
    T0,
    hotline_settings,
    make_hotline,
    seed_known,
    smtp_server,
    write_directory,
    write_images,
)
from tests.integration.hotline.servers import Page, StubResolver, http_site
from vigil.cli.main import app
from vigil.config import Settings
from vigil.hotline.clock import ManualClock
from vigil.hotline.recheck import run_due
from vigil.hotline.service import HotlineService

pytestmark = pytest.mark.slow


def test_stats_takedown(db_env: Settings, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    images = write_images(tmp_path / "img", [71, 72])
    seed_known(sessions, tmp_path, images)
    with http_site() as site, smtp_server() as inbox:
        settings = hotline_settings(db_env, inbox.port, write_directory(tmp_path / "dir.toml"))
        clock = ManualClock(T0)
        names = {"good.example": ["127.0.0.1"], "bad.example": ["127.0.0.1"]}
        hl = make_hotline(settings, sessions, clock, StubResolver(names))
        service = HotlineService(hl, "test")
        service.submit(site.put("good.example", "/1.jpg", Page(body=images[0].read_bytes())))
        service.submit(site.put("bad.example", "/2.jpg", Page(body=images[1].read_bytes())))
        run_due(hl)
        site.remove("good.example", "/1.jpg")
        for _ in range(3):
            clock.advance(timedelta(hours=24))
            run_due(hl)
    runner = CliRunner()
    plot = tmp_path / "out" / "takedown.png"
    result = runner.invoke(app, ["stats", "takedown", "--json", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert (figures["overall"]["cases"], figures["overall"]["removed"]) == (2, 1)
    assert figures["overall"]["notice_to_removal"]["median_hours"] == 24.0
    assert [b["host"] for b in figures["bad_hosters"]] == ["Bad Hosting"]
    assert plot.read_bytes().startswith(b"\x89PNG")
    table = runner.invoke(app, ["stats", "takedown"])
    assert table.exit_code == 0, table.output
    assert "Bad Hosting" in table.output and "report → removal" in table.output


def test_hotline_report_command(db_env: Settings) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["hotline", "report", "http://Pics.Example/a.jpg#x"])
    assert first.exit_code == 0, first.output
    case, url = first.output.strip().split(": ")
    assert url == "http://pics.example/a.jpg"
    again = runner.invoke(app, ["hotline", "report", "pics.example/a.jpg"])
    assert again.output.strip() == f"{case} (already open): http://pics.example/a.jpg"
    bad = runner.invoke(app, ["hotline", "report", "javascript:alert(1)"])
    assert bad.exit_code == 2


def test_hotline_case_command(db_env: Settings) -> None:
    runner = CliRunner()
    opened = runner.invoke(app, ["hotline", "report", "http://pics.example/b.jpg"])
    case_id = opened.output.split(":")[0].split()[-1]
    shown = runner.invoke(app, ["hotline", "case", case_id])
    assert shown.exit_code == 0, shown.output
    assert f"case {case_id}: new\nurl: http://pics.example/b.jpg\n" in shown.output
    as_json = json.loads(runner.invoke(app, ["hotline", "case", case_id, "--json"]).stdout)
    assert (as_json["state"], as_json["items"], as_json["matched_item"]) == ("new", [], None)
    missing = runner.invoke(app, ["hotline", "case", "999999"])
    assert missing.exit_code == 1 and "error: no case 999999" in missing.output  # NotFound
