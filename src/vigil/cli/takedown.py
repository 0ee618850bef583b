"""``vigil stats takedown``: the notice-and-takedown figures (report → notice → removal, per host, AS and
country, and the bad-hoster ranking)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.options import PlotFile
from vigil.cli.state import sessions_of, settings_of
from vigil.hotline.metrics import Durations, GroupFigures, takedown_figures


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _row(name: str, d: Durations) -> list[str]:
    return [
        name,
        f"{d.ended}/{d.started}",
        _hours(d.median_hours),
        _hours(d.mean_hours),
        _share(d.within_2_days),
        _share(d.within_7_days),
    ]


def _groups(title: str, groups: list[GroupFigures]) -> Table:
    table = Table(title, "cases", "removed", "median h", "mean h", "≤ 2 days", "≤ 7 days", title=None)
    for g in groups:
        d = g.report_to_removal
        table.add_row(
            g.key,
            str(g.cases),
            str(g.removed),
            _hours(d.median_hours),
            _hours(d.mean_hours),
            _share(d.within_2_days),
            _share(d.within_7_days),
        )
    return table


def takedown_command(
    ctx: typer.Context,
    plot: PlotFile = None,
    since: Annotated[
        datetime | None, typer.Option("--since", help="Only cases reported on or after this date (UTC).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Time to notice and to removal: median, mean, share within 2 and 7 days; per host, AS, country;
    and the hosts that miss the removal deadline."""
    settings = settings_of(ctx)
    sessions = sessions_of(ctx)
    start = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
    with sessions() as session:
        figures = takedown_figures(session, datetime.now(UTC), settings.hotline_deadline_hours, start)
    if as_json:
        typer.echo(json.dumps(asdict(figures), indent=2))
    else:
        out = Console(soft_wrap=True)
        overall = Table("interval", "ended", "median h", "mean h", "≤ 2 days", "≤ 7 days")
        o = figures.overall
        overall.add_row(*_row("report → notice", o.report_to_notice))
        overall.add_row(*_row("notice → removal", o.notice_to_removal))
        overall.add_row(*_row("report → removal", o.report_to_removal))
        intake = figures.intake
        out.print(
            f"{intake.reports} reports, {intake.cases} cases: {intake.refused} refused by the fetch guard"
            f" ({intake.refused_reports} reports), {intake.rejected} rejected,"
            f" {intake.awaiting_analyst} awaiting an analyst"
        )
        out.print(f"{o.cases} cases, {o.removed} removed")
        out.print(overall)
        for title, groups in (
            ("host", figures.by_host),
            ("AS", figures.by_asn),
            ("country", figures.by_country),
        ):
            out.print(_groups(title, groups))
        ranking = Table(
            "rank", "host", "cases", "missed", "share", "still online", "median notice → removal h"
        )
        for rank, b in enumerate(figures.bad_hosters, 1):
            ranking.add_row(
                str(rank),
                b.host,
                str(b.cases),
                str(b.missed),
                _share(b.share_missed),
                str(b.still_online),
                _hours(b.median_notice_to_removal_hours),
            )
        out.print(f"bad hosters (removal deadline {figures.deadline_hours:g} h after the notice):")
        out.print(ranking)
    if plot is not None:
        from vigil.hotline.metrics_plot import plot_takedown

        plot_takedown(figures, plot)
        typer.echo(f"plot written to {plot}", err=as_json)
