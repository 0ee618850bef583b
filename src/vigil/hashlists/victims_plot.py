"""A picture of the victim-identification figures: identifications per year against the +10 % goal."""

from __future__ import annotations

from pathlib import Path

from vigil.hashlists.victims import VictimFigures


def plot_victim_figures(figures: VictimFigures, path: Path) -> None:
    """Write a PNG, or for a ``.svg`` path the console's chart (:mod:`vigil.charts`, no matplotlib).
    matplotlib is imported here only: the rest of Vigil does not need it."""
    if path.suffix.lower() == ".svg":
        from vigil.dashboards import victims_chart

        legend = f"goal: +{figures.goal:.0%} on the year before"
        svg = victims_chart(figures, "Victims identified per year", "victims identified", legend)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        return
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt

    years = [f.year for f in figures.years]
    counts = [f.identified for f in figures.years]
    goal = [c * (1 + figures.goal) for c in counts[:-1]]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    try:
        ax.bar(years, counts, color="#4c72b0", label="victims identified")
        if len(years) > 1:
            ax.plot(
                years[1:],
                goal,
                "o--",
                color="#dd8452",
                label=f"goal: +{figures.goal:.0%} on the year before",
            )
        ax.set_xlabel("year of identification")
        ax.set_ylabel("victims identified")
        ax.set_xticks(years)
        share = figures.share_identified
        share_text = "-" if share is None else f"{share:.0%}"
        ax.set_title(
            f"Victim identification: {figures.identified} of {figures.victims} victims, "
            f"{figures.series} series, {share_text} of media with an identified victim",
            fontsize=9,
        )
        ax.legend(loc="upper left")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
