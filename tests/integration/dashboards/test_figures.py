"""The dashboards' figures from each package's query, on SQLite and PostgreSQL: victims against the
goal, report → removal by year and country, bad hosters, growth by contributor, blocklist sizes, and
lookups counted per member and day (several counters adding to the same rows)."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.dashboards.seeding import NOW, seed_blocklist, seed_cases, seed_hashdb
from vigil.dashboards import Charts, Dashboard, DashboardCache, dashboard
from vigil.matching.usage import LookupCounter, LookupDay, lookups_per_day

pytestmark = pytest.mark.slow


def test_dashboard_figures_and_charts(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    seed_hashdb(sessions, tmp_path)
    seed_cases(sessions)
    seed_blocklist(sessions)
    counter = LookupCounter(sessions)
    counter.add("member", "shop", 3, now=NOW)
    counter.add("member", "forum", 1, now=NOW - timedelta(days=1))
    counter.add("analyst", "ana", 5, now=NOW)  # staff lookups are not members' figures
    assert counter.flush() == 9

    with sessions() as session:
        d = dashboard(session, NOW)

    assert [(y.year, y.identified) for y in d.victims.years] == [(2022, 10), (2023, 11), (2024, 11)]
    assert d.goal == [None, pytest.approx(11.0), pytest.approx(12.1)]

    by_year = {r.key: r for r in d.removal_by_year}
    assert sorted(by_year) == ["2024", "2025"]
    assert by_year["2024"].report_to_removal.median_hours == pytest.approx(72.0)
    assert by_year["2024"].report_to_removal.within_2_days == 0.5
    assert by_year["2024"].report_to_removal.within_7_days == 1.0
    # 2025: two of three removed, both within 2 days; the third is still online.
    assert by_year["2025"].report_to_removal.median_hours == pytest.approx(30.0)
    assert by_year["2025"].report_to_removal.within_2_days == pytest.approx(2 / 3)
    countries = {g.key: g for g in d.by_country}
    assert countries["NL"].report_to_removal.median_hours == pytest.approx(24.0)
    assert countries["US"].removed == 1
    assert [b.host for b in d.bad_hosters] == ["slow.example"]
    assert d.bad_hosters[0].missed == 2

    assert len(d.growth.years) == 1  # both imports ran today
    assert d.growth.added == {"Hotline GB": [3], "VID unit": [5]}
    assert d.growth.totals == {"VID unit": 5, "Hotline GB": 3}
    assert [p.entries for p in d.blocklists["urls"]] == [10, 14, 12]

    assert len(d.lookups) == 90 and d.lookups[-1].day == NOW.date()
    assert d.lookups[-1].by_caller == {"shop": 3}
    assert d.lookups[-2].by_caller == {"forum": 1}
    assert d.lookups_by_member == {"shop": 3, "forum": 1}

    charts = Charts(d)
    svg = charts.victims("Victims <per> year", "identified", "goal")
    assert svg.startswith("<svg") and "Victims &lt;per&gt; year" in svg and "<script" not in svg
    assert svg.count("<rect") == 1 + 3 + 1  # background, three bars, the legend's swatch
    assert "polyline" in svg  # the goal line
    ranking = charts.bad_hosters("Bad hosters", "missed")
    assert "slow.example" in ranking and ">2<" in ranking
    months = re.findall(r">(2026-\d\d)<", charts.blocklists("Blocklists"))
    assert months == ["2026-01", "2026-03", "2026-05"]
    for chart in (
        charts.removal_median("m", "h"),
        charts.removal_shares("s", "2", "7"),
        charts.countries("c", "h"),
        charts.growth("g", "others"),
        charts.lookups("l", "n"),
    ):
        assert chart.startswith("<svg") and chart.endswith("</svg>")


def test_empty_dashboard_draws(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        d = dashboard(session, NOW)
    charts = Charts(d)
    for svg in (charts.victims("v", "i", "g"), charts.growth("g", "o"), charts.blocklists("b")):
        assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert d.overall.cases == 0 and d.lookups_by_member == {}


def test_counters_add_to_the_same_row(sessions: sessionmaker[Session]) -> None:
    """Two processes' counters (two objects here) add to one day's row; a failed flush keeps its counts."""
    a, b = LookupCounter(sessions), LookupCounter(sessions)
    a.add("member", "shop", 2, now=NOW)
    b.add("member", "shop", 5, now=NOW)
    a.flush()
    b.flush()
    a.add("member", "shop", 1, now=NOW)
    a.flush()
    with sessions() as session:
        rows = session.execute(select(LookupDay.caller, LookupDay.lookups)).all()
        assert rows == [("shop", 8)]
        days = lookups_per_day(session, NOW.date(), 2)
    assert [(d.day, d.total) for d in days] == [(NOW.date() - timedelta(days=1), 0), (NOW.date(), 8)]
    assert a.flush() == 0 and a.pending() == 0


def test_cache_reuses_figures_for_its_time(sessions: sessionmaker[Session]) -> None:
    built: list[date] = []

    def build() -> Dashboard:
        built.append(NOW.date())
        with sessions() as session:
            return dashboard(session, NOW)

    cache = DashboardCache(3600)
    first = cache.get(build)
    assert cache.get(build) is first and len(built) == 1
    assert DashboardCache(0).get(build) is not first and len(built) == 2
    # Once stale, a request gets the figures it has while new ones are computed in the background.
    cache.seconds = 0.01
    time.sleep(0.02)
    assert cache.get(build) is first
    cache.wait()
    assert len(built) == 3 and cache.get(build) is not first


def test_cli_plots_as_svg_use_the_same_charts(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """``vigil stats victims|takedown --plot FILE.svg`` draw with the console's chart module."""
    from vigil.hashlists.victims import victim_figures
    from vigil.hashlists.victims_plot import plot_victim_figures
    from vigil.hotline.metrics import takedown_figures
    from vigil.hotline.metrics_plot import plot_takedown

    seed_hashdb(sessions, tmp_path)
    seed_cases(sessions)
    with sessions() as session:
        victims, takedown = victim_figures(session), takedown_figures(session, NOW)
    plot_victim_figures(victims, tmp_path / "out" / "victims.svg")
    plot_takedown(takedown, tmp_path / "out" / "takedown.svg")
    svg = (tmp_path / "out" / "victims.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "goal: +10% on the year before" in svg and svg.count("<rect") == 5
    both = (tmp_path / "out" / "takedown.svg").read_text(encoding="utf-8")
    assert both.count("<svg") == 3 and "fast.example" in both and "slow.example" in both
