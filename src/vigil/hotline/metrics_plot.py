"""A picture of the takedown figures: time to removal per host, and the bad-hoster ranking."""

from __future__ import annotations

from pathlib import Path

from vigil.hotline.metrics import TakedownFigures


def plot_takedown(figures: TakedownFigures, path: Path, top: int = 12) -> None:
    """Write a PNG, or for a ``.svg`` path the console's charts (:mod:`vigil.charts`, no matplotlib).
    matplotlib is imported here only: the rest of Vigil does not need it."""
    if path.suffix.lower() == ".svg":
        from vigil.charts import stack
        from vigil.dashboards import bad_hosters_chart, median_ranking_chart

        by_host = [(g.key, g.report_to_removal.median_hours) for g in figures.by_host]
        svg = stack(
            "Takedown figures",
            median_ranking_chart(by_host, "Median hours from report to removal, by host", "median hours"),
            bad_hosters_chart(
                figures.bad_hosters, f"Cases past the {figures.deadline_hours:g} h removal deadline", "missed"
            ),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        return
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    hosts = figures.by_host[:top]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100)
    try:
        names = [g.key for g in hosts]
        medians = [g.report_to_removal.median_hours or 0.0 for g in hosts]
        within2 = [100 * (g.report_to_removal.within_2_days or 0.0) for g in hosts]
        left.barh(names, medians, color="#4c72b0")
        left.invert_yaxis()
        left.set_xlabel("median hours from report to removal")
        for y, share in enumerate(within2):
            left.annotate(
                f"{share:.0f}% ≤ 2 d", (0, y), xytext=(3, 0), textcoords="offset points", va="center"
            )
        bad = figures.bad_hosters[:top]
        right.barh([b.host for b in bad], [b.missed for b in bad], color="#c44e52")
        right.invert_yaxis()
        right.xaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_xlabel(f"cases past the {figures.deadline_hours:g} h removal deadline")
        right.set_title("bad hosters", fontsize=9)
        o = figures.overall.report_to_removal
        median = "-" if o.median_hours is None else f"{o.median_hours:.1f} h"
        shares = "-" if o.within_2_days is None else f"{o.within_2_days:.0%} / {o.within_7_days or 0:.0%}"
        left.set_title(
            f"{figures.overall.cases} cases, {figures.overall.removed} removed; median {median}; "
            f"within 2 / 7 days {shares}",
            fontsize=9,
        )
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
