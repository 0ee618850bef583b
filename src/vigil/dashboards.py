"""The figures behind the policy targets of the Global Alliance report, gathered for one page: victims
identified per year against +10 % a year, time from report to removal (over time and per country),
the bad-hoster ranking, the hash database's growth by contributor, blocklist sizes and lookups by
industry members per day.

Each figure comes from its own package's query; this module only gathers them, keeps them for a short
while (they describe years, not seconds) and turns them into charts (:mod:`vigil.charts`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from vigil.blocklists.figures import SizePoint, sizes_over_time
from vigil.charts import Chart, Series, bars, lines, ranking
from vigil.hashlists.growth import Growth, growth_by_contributor
from vigil.hashlists.victims import VictimFigures, victim_figures
from vigil.hotline.metrics import BadHoster, CaseTimes, Durations, bad_hosters, case_times, durations
from vigil.matching.usage import DailyLookups, lookups_per_day

log = logging.getLogger(__name__)

#: Contributors drawn one by one in the growth chart; the rest are summed as one line.
GROWTH_LINES = 6
#: Hosts and countries in a ranking chart (the tables list them all).
RANKED = 12
LOOKUP_DAYS = 90


@dataclass(frozen=True)
class Removal:
    """Report → removal over a group of cases (the one interval the dashboards show)."""

    key: str
    cases: int
    removed: int
    report_to_removal: Durations


def removal(key: str, cases: list[CaseTimes]) -> Removal:
    return Removal(
        key,
        len(cases),
        sum(c.removed is not None for c in cases),
        durations((c.reported, c.removed) for c in cases),
    )


def _by(cases: list[CaseTimes], key: Callable[[CaseTimes], str]) -> dict[str, list[CaseTimes]]:
    out: dict[str, list[CaseTimes]] = {}
    for case in cases:
        out.setdefault(key(case), []).append(case)
    return out


@dataclass
class Dashboard:
    at: datetime
    victims: VictimFigures
    overall: Removal
    #: Report → removal of the cases reported in each year, oldest first.
    removal_by_year: list[Removal]
    #: Per hosting country, most cases first.
    by_country: list[Removal]
    bad_hosters: list[BadHoster]
    deadline_hours: float
    growth: Growth
    blocklists: dict[str, list[SizePoint]]
    lookups: list[DailyLookups]
    #: Lookups per member over the days shown, most first.
    lookups_by_member: dict[str, int] = field(default_factory=dict)

    @property
    def goal(self) -> list[float | None]:
        return goal_line(self.victims)


def goal_line(victims: VictimFigures) -> list[float | None]:
    """Each year's goal: the year before's identifications, plus the growth the goal asks for."""
    return [None] + [y.identified * (1 + victims.goal) for y in victims.years[:-1]]


def victims_chart(victims: VictimFigures, title: str, identified: str, goal: str) -> str:
    """Identifications per year as bars, the goal as a dashed line (the console and ``vigil stats``)."""
    years = victims.years
    chart = Chart(title, [str(y.year) for y in years], [Series(identified, [y.identified for y in years])])
    return bars(chart, Series(goal, goal_line(victims)))


def bad_hosters_chart(rows: list[BadHoster], title: str, missed: str) -> str:
    shown = rows[:RANKED]
    return ranking(Chart(title, [b.host for b in shown], [Series(missed, [b.missed for b in shown])]))


def median_ranking_chart(rows: list[tuple[str, float | None]], title: str, median: str) -> str:
    """Groups (host, country, ...) by median hours, as given; groups without a median are left out."""
    shown = [(k, h) for k, h in rows if h is not None][:RANKED]
    return ranking(Chart(title, [k for k, _ in shown], [Series(median, [h for _, h in shown])], " h"))


def dashboard(session: Session, now: datetime, deadline_hours: float = 48.0) -> Dashboard:
    # The takedown figures' cases, but only the interval shown here: computing every interval per host
    # and AS (what `vigil stats takedown` prints) would double the cost of a refresh.
    cases = case_times(session)
    lookups = lookups_per_day(session, now.date(), LOOKUP_DAYS)
    members: dict[str, int] = {}
    for day in lookups:
        for name, n in day.by_caller.items():
            members[name] = members.get(name, 0) + n
    countries = [removal(k, v) for k, v in _by(cases, lambda c: c.country).items()]
    return Dashboard(
        at=now,
        victims=victim_figures(session),
        overall=removal("all", cases),
        removal_by_year=[
            removal(k, v) for k, v in sorted(_by(cases, lambda c: str(c.reported.year)).items())
        ],
        by_country=sorted(countries, key=lambda r: (-r.cases, r.key)),
        bad_hosters=bad_hosters(cases, now, timedelta(hours=deadline_hours)),
        deadline_hours=deadline_hours,
        growth=growth_by_contributor(session),
        blocklists=sizes_over_time(session),
        lookups=lookups,
        lookups_by_member=dict(sorted(members.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


class DashboardCache:
    """The last figures, reused for ``seconds``. Once they are older, the next request still gets them
    (the page says as of when) while one background thread computes new ones: only the very first
    request waits for the computation, which at a hotline's scale takes longer than a page may."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._value: tuple[float, Dashboard] | None = None
        self._refreshing = False

    def get(self, build: Callable[[], Dashboard]) -> Dashboard:
        with self._lock:
            value = self._value
            if value is not None and (time.monotonic() - value[0] < self.seconds or self._refreshing):
                return value[1]
            if value is not None and self.seconds > 0:
                self._refreshing = True
                threading.Thread(target=self._refresh, args=(build,), daemon=True).start()
                return value[1]
            found = build()
            self._value = (time.monotonic(), found)
            return found

    def _refresh(self, build: Callable[[], Dashboard]) -> None:
        try:
            found = build()
            with self._lock:
                self._value = (time.monotonic(), found)
        except Exception:  # keep the figures we have; the next request tries again
            log.exception("computing the dashboards failed")
        finally:
            with self._lock:
                self._refreshing = False

    def wait(self, timeout: float = 30.0) -> None:
        """Until no refresh runs (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while self._refreshing and time.monotonic() < deadline:
            time.sleep(0.01)


def _hours(figures: Removal) -> float | None:
    return figures.report_to_removal.median_hours


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


class Charts:
    """The dashboard's charts; titles and legends come from the caller (translated by the page)."""

    def __init__(self, d: Dashboard) -> None:
        self.d = d

    def victims(self, title: str, identified: str, goal: str) -> str:
        return victims_chart(self.d.victims, title, identified, goal)

    def removal_median(self, title: str, median: str) -> str:
        rows = self.d.removal_by_year
        return bars(Chart(title, [r.key for r in rows], [Series(median, [_hours(r) for r in rows])], " h"))

    def removal_shares(self, title: str, two: str, seven: str) -> str:
        rows = self.d.removal_by_year
        shares = [r.report_to_removal for r in rows]
        chart = Chart(
            title,
            [r.key for r in rows],
            [
                Series(two, [_percent(s.within_2_days) for s in shares]),
                Series(seven, [_percent(s.within_7_days) for s in shares]),
            ],
            " %",
        )
        return lines(chart)

    def countries(self, title: str, median: str) -> str:
        return median_ranking_chart([(r.key, _hours(r)) for r in self.d.by_country], title, median)

    def bad_hosters(self, title: str, missed: str) -> str:
        return bad_hosters_chart(self.d.bad_hosters, title, missed)

    def growth(self, title: str, others: str) -> str:
        g = self.d.growth
        names = list(g.totals)
        shown = [Series(name, g.cumulative(name)) for name in names[:GROWTH_LINES]]
        rest = names[GROWTH_LINES:]
        if rest:
            summed = [sum(v) for v in zip(*(g.cumulative(n) for n in rest), strict=True)]
            shown.append(Series(others, summed))
        return lines(Chart(title, [str(y) for y in g.years], shown))

    def blocklists(self, title: str) -> str:
        """Each list's size at the end of each month (its latest version by then)."""
        months = sorted({p.published_at.strftime("%Y-%m") for ps in self.d.blocklists.values() for p in ps})
        series = []
        for name, points in sorted(self.d.blocklists.items()):
            values: list[float | None] = []
            i, current = 0, None
            for month in months:
                while i < len(points) and points[i].published_at.strftime("%Y-%m") <= month:
                    current = points[i].entries
                    i += 1
                values.append(current)
            series.append(Series(name, values))
        return lines(Chart(title, months, series))

    def lookups(self, title: str, total: str) -> str:
        days = self.d.lookups
        return bars(
            Chart(title, [d.day.strftime("%m-%d") for d in days], [Series(total, [d.total for d in days])])
        )
