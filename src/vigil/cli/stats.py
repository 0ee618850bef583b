"""``vigil stats``: figures straight out of the hash database."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.db import cli_actor
from vigil.cli.options import PlotFile
from vigil.cli.state import sessions_of
from vigil.hashlists.service import HashDatabase

app = typer.Typer(name="stats", help="Figures: victim identification.", no_args_is_help=True)


@app.command("victims")
def victims_command(
    ctx: typer.Context,
    plot: PlotFile = None,
) -> None:
    """Identified victims by year, growth against the +10 %/year goal, series, share of media identified."""
    figures = HashDatabase(sessions_of(ctx), cli_actor()).victim_figures()
    out = Console(soft_wrap=True)
    table = Table("year", "identified", "cumulative", "growth", f"goal +{figures.goal:.0%}")
    for y in figures.years:
        growth = "-" if y.growth is None else f"{y.growth:+.1%}"
        goal = "-" if y.meets_goal is None else ("met" if y.meets_goal else "missed")
        table.add_row(str(y.year), str(y.identified), str(y.cumulative), growth, goal)
    out.print(table)
    share = figures.share_identified
    out.print(
        f"series {figures.series}, victims {figures.victims}, identified {figures.identified}; "
        f"media with an identified victim: {figures.media_with_identified_victim} of "
        f"{figures.media_with_victim} ({'-' if share is None else f'{share:.1%}'})"
    )
    if plot is not None:
        from vigil.hashlists.victims_plot import plot_victim_figures

        plot_victim_figures(figures, plot)
        out.print(f"plot written to {plot}")
