"""Small charts drawn as SVG text on the server: no script, no external file, readable without colour.

One module for every plot Vigil draws for a person (the console's dashboards): vertical bars with an
optional goal line, horizontal bars for rankings, and lines over time. Each chart carries a ``<title>``
and an ``aria-label`` naming what it shows, and labels values in text, so a screen reader and a
greyscale print lose nothing. The numbers themselves are always beside the chart as a table too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Final

WIDTH: Final = 640
#: Colour-blind-safe palette (Okabe–Ito); lines also differ by dash pattern.
COLOURS: Final = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
DASHES: Final = ("", "6 3", "2 3", "8 3 2 3", "1 2", "4 4", "10 2")
_FONT: Final = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Series:
    name: str
    #: One value per x label; None where there is no value.
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    title: str
    labels: Sequence[str]
    series: Sequence[Series] = field(default_factory=tuple)
    unit: str = ""


def _number(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _scale(values: Sequence[float | None]) -> float:
    top = max((v for v in values if v is not None), default=0.0)
    return top if top > 0 else 1.0


def _open(title: str, height: int) -> list[str]:
    t = escape(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{t}" class="chart">',
        f"<title>{t}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]


def _legend(parts: list[str], names: Sequence[tuple[str, int, bool]], y: int) -> None:
    """``names``: (label, palette index, drawn as a line)."""
    x = 50
    for name, i, line in names:
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        if line:
            parts.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="{dash}"/>'
            )
        else:
            parts.append(f'<rect x="{x}" y="{y - 10}" width="18" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 24}" y="{y}" {_FONT}>{escape(name)}</text>')
        x += 34 + 7 * len(name)


def bars(chart: Chart, goal: Series | None = None, height: int = 260) -> str:
    """Vertical bars of the first series; ``goal`` as a dashed line over them (e.g. +10 % a year)."""
    values = list(chart.series[0].values) if chart.series else []
    top = _scale(values + list(goal.values if goal else []))
    left, right, upper, lower = 50, WIDTH - 10, 20, height - 50
    n = max(len(chart.labels), 1)
    step = (right - left) / n
    parts = _open(chart.title, height)
    parts.append(f'<line x1="{left}" y1="{lower}" x2="{right}" y2="{lower}" stroke="#333"/>')
    parts.append(f'<text x="4" y="{upper + 4}" {_FONT}>{escape(_number(top))}</text>')
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=False)):
        x = left + i * step
        if value is not None:
            h = (lower - upper) * value / top
            parts.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{lower - h:.1f}" width="{step * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[0]}">'
                f"<title>{escape(label)}: {_number(value)}</title></rect>"
            )
        if n <= 16 or i % (n // 12 + 1) == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{lower + 16}" text-anchor="middle" {_FONT}>'
                f"{escape(label)}</text>"
            )
    names = [(chart.series[0].name, 0, False)] if chart.series else []
    if goal is not None:
        points = [
            f"{left + i * step + step / 2:.1f},{lower - (lower - upper) * v / top:.1f}"
            for i, v in enumerate(goal.values)
            if v is not None
        ]
        if points:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLOURS[1]}" '
                f'stroke-width="2" stroke-dasharray="{DASHES[1]}"/>'
            )
        names.append((goal.name, 1, True))
    _legend(parts, names, height - 12)
    parts.append("</svg>")
    return "".join(parts)


def ranking(chart: Chart, row: int = 22) -> str:
    """Horizontal bars, one per label, longest first as given; the value written at the bar's end."""
    values = list(chart.series[0].values) if chart.series else []
    top = _scale(values)
    label_width, upper = 220, 10
    height = upper + row * max(len(chart.labels), 1) + 10
    span = WIDTH - label_width - 70
    parts = _open(chart.title, height)
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=False)):
        y = upper + i * row
        text = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + row * 0.65:.1f}" text-anchor="end" {_FONT}>'
            f"{escape(text)}</text>"
        )
        if value is None:
            continue
        w = span * value / top
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{COLOURS[1]}"/>'
        )
        parts.append(
            f'<text x="{label_width + w + 4:.1f}" y="{y + row * 0.65:.1f}" {_FONT}>'
            f"{escape(_number(value))}{escape(chart.unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def lines(chart: Chart, height: int = 260) -> str:
    """One line per series over the labels (time), each in its own colour and dash pattern."""
    top = _scale([v for s in chart.series for v in s.values])
    # Room on the right for the last label, centred on the last point.
    left, right, upper, lower = 50, WIDTH - 30, 20, height - 50
    n = max(len(chart.labels), 1)
    step = (right - left) / max(n - 1, 1)
    parts = _open(chart.title, height)
    parts.append(f'<line x1="{left}" y1="{lower}" x2="{right}" y2="{lower}" stroke="#333"/>')
    parts.append(f'<text x="4" y="{upper + 4}" {_FONT}>{escape(_number(top))}{escape(chart.unit)}</text>')
    for i, label in enumerate(chart.labels):
        if n <= 16 or i % (n // 12 + 1) == 0:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{lower + 16}" text-anchor="middle" {_FONT}>'
                f"{escape(label)}</text>"
            )
    for k, series in enumerate(chart.series):
        points = [
            f"{left + i * step:.1f},{lower - (lower - upper) * v / top:.1f}"
            for i, v in enumerate(series.values)
            if v is not None
        ]
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        if len(points) == 1:
            x, y = points[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
        elif points:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="{dash}"/>'
            )
    _legend(parts, [(s.name, k, True) for k, s in enumerate(chart.series)], height - 12)
    parts.append("</svg>")
    return "".join(parts)


def stack(title: str, *charts: str) -> str:
    """Several charts one above the other in one SVG document (a file of figures)."""
    heights = [int(c.split('height="', 1)[1].split('"', 1)[0]) for c in charts]
    total = sum(heights)
    parts = _open(title, total)
    y = 0
    for chart, h in zip(charts, heights, strict=True):
        parts.append(chart.replace("<svg ", f'<svg x="0" y="{y}" ', 1))
        y += h
    parts.append("</svg>")
    return "".join(parts)
