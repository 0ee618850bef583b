"""report.html: one self-contained page (no external asset, no script) for the examiner.

Known material is only counted, never shown. Thumbnails of the review queue are blurred and grey until
the examiner clicks one (a CSS checkbox, so it works with scripts disabled): analyst wellbeing first.
"""

from __future__ import annotations

import html
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vigil.parallel import ordered_map
from vigil.scanning.pipeline import ScanItem, ScanOptions
from vigil.scanning.report.model import STATUSES, ReportData
from vigil.scanning.report.thumbnails import data_uri, make_preview
from vigil.scanning.triage import ItemKey, is_unknown_video, item_status
from vigil.video.matching import clock

#: The preview kept for an item during the scan, if any.
Previews = Callable[[ItemKey], bytes | None]

MAX_PROBLEMS = 2000
MAX_CLUSTER_ROWS = 500
#: Videos listed in the report's video table (the first ones in walk order).
MAX_VIDEO_ROWS = 500

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fafafa}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
th{background:#eee}.num{text-align:right}.path{font-family:monospace;word-break:break-all;max-width:50em}
.queue{display:flex;flex-wrap:wrap;gap:12px}
.card{width:180px;background:#fff;border:1px solid #ddd;padding:6px}
.card input{display:none}.card img{width:160px;height:160px;object-fit:contain;cursor:pointer;
filter:blur(12px) grayscale(1);transition:filter .2s}.card input:checked+img{filter:none}
.card .meta{font-size:12px;word-break:break-all}.note{color:#555}
.stills input{display:none}.stills img{max-width:40em;cursor:pointer;filter:blur(12px) grayscale(1);
transition:filter .2s}.stills input:checked+img{filter:none}
"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


@dataclass
class _Collected:
    queue: list[tuple[int, ItemKey, ScanItem, dict[str, str | None]]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    clusters: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    videos: list[tuple[ItemKey, ScanItem, dict[str, str | None]]] = field(default_factory=list)


def _collect(data: ReportData, thumbnails: int) -> _Collected:
    got = _Collected()
    entry_archives: dict[str, str | None] = {}
    current_entry = -1
    for key, item in data.items():
        if key[0] != current_entry:
            current_entry, entry_archives = key[0], {}
        entry_archives[item.path] = item.archive
        if item.video is not None and len(got.videos) < MAX_VIDEO_ROWS:
            got.videos.append((key, item, entry_archives))
        rank = data.triage.rank_of.get(key)
        if rank is not None and rank <= thumbnails:
            got.queue.append((rank, key, item, entry_archives))
        reasons = ([item.error] if item.error else []) + item.warnings
        got.problems.extend((item.path, r) for r in reasons[: max(0, MAX_PROBLEMS - len(got.problems))])
        cid = data.triage.cluster_of.get(key)
        if cid is not None and len(got.clusters[cid]) < 20:
            got.clusters[cid].append(item.path)
    got.queue.sort(key=lambda q: q[0])
    return got


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _remade(where: tuple[str, dict[str, str | None]], options: ScanOptions) -> bytes | None:
    return make_preview(where[0], where[1], options)


def _previews(got: _Collected, stored: Previews, options: ScanOptions, jobs: int | None) -> list[str | None]:
    """A data URI per queued item: the worker's preview, else the same one made again (in parallel)."""
    kept = [stored(key) for _, key, _, _ in got.queue]
    missing = [(item.path, where) for (_, _, item, where), p in zip(got.queue, kept, strict=True) if not p]
    remade = iter(ordered_map(_remade, missing, options, jobs if len(missing) > 8 else 1, chunk=2))
    out = []
    for preview in kept:
        jpeg = preview if preview else next(remade)
        out.append(data_uri(jpeg) if jpeg else None)
    return out


def _queue(
    data: ReportData, got: _Collected, stored: Previews, options: ScanOptions, jobs: int | None
) -> str:
    cards = []
    uris = _previews(got, stored, options, jobs)
    for (rank, key, item, _), uri in zip(got.queue, uris, strict=True):
        image = (
            f"<label><input type='checkbox'><img alt='thumbnail, rank {rank}' src='{uri}'></label>"
            if uri
            else "<p>(no thumbnail)</p>"
        )
        cards.append(
            f"<div class='card' id='rank-{rank}'>{image}<div class='meta'><b>#{rank}</b> "
            f"{_esc(data.triage.reason_of.get(key))}<br>{_esc(item.path)}</div></div>"
        )
    return (
        f"<h2>Review queue</h2><p class='note'>The first {len(got.queue)} unknown images by rank. "
        "Thumbnails are blurred and grey: click one to reveal it, click again to hide it.</p>"
        f"<div class='queue'>{''.join(cards)}</div>"
    )


def matched_ranges(item: ScanItem) -> str:
    """Where on the video its matches are (``Match.query_ranges``), escaped; empty when no match says."""
    spans = [
        f"{clock(start)}–{clock(end)}" for match in item.matches for start, end in (match.query_ranges or [])
    ]
    return _esc(", ".join(spans))


def _videos(got: _Collected, stored: Previews, options: ScanOptions, thumbnails: int) -> str:
    """Each video: its length and frames, the matched time ranges, and for an unknown one a strip of a few
    frames, blurred like the review queue's thumbnails (a known video's frames are never shown)."""
    if not got.videos:
        return "<p>No video.</p>"
    rows = []
    for n, (key, item, where) in enumerate(got.videos):
        facts = item.video
        assert facts is not None
        cell = ""
        if is_unknown_video(item) and n < thumbnails:
            jpeg = stored(key) or _remade((item.path, where), options)
            if jpeg:
                cell = (
                    f"<label class='stills'><input type='checkbox'><img alt='frames of video {n + 1}' "
                    f"src='{data_uri(jpeg)}'></label>"
                )
        rows.append(
            (
                f"<span class='path'>{_esc(item.path)}</span>",
                clock(facts.seconds),
                str(facts.frames),
                str(facts.hashed),
                item_status(item),
                matched_ranges(item),
                cell,
            )
        )
    return (
        "<p class='note'>Frames of unknown videos are blurred and grey: click a strip to reveal it. "
        "Known videos are listed, never shown.</p>"
        + _table(("video", "length", "frames", "hashed", "status", "matched ranges", "frames shown"), rows)
    )


def write_html(
    data: ReportData,
    path: Path,
    *,
    thumbnails: int,
    options: ScanOptions,
    stored: Previews = lambda key: None,
    jobs: int | None = None,
) -> None:
    """``stored``: the previews kept during the scan, by item; ``options``: the scan's, to make the
    same previews again for the others."""
    got = _collect(data, thumbnails)
    summary = data.summary()
    names = ("entries", "items", *STATUSES, "clusters", "with_warnings")
    groups = sorted(data.triage.known_groups.items(), key=lambda kv: (-kv[1], kv[0]))
    cluster_rows = [
        (str(cid), str(size), "<br>".join(_esc(p) for p in got.clusters.get(cid, [])))
        for cid, size in sorted(data.triage.cluster_sizes.items())[:MAX_CLUSTER_ROWS]
    ]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">",
        f"<title>Vigil scan report</title><style>{CSS}</style></head><body>",
        "<h1>Vigil scan report</h1>",
        f"<p class='note'>Inputs: {_esc(', '.join(data.scan.get('inputs', [])))}. "
        f"Lists: {_esc(data.scan.get('lists') or 'none')}. Threshold {_esc(data.scan.get('threshold'))}.</p>",
        "<h2>Summary</h2>",
        _table(("count", "items"), [(_esc(n), str(summary.get(n, 0))) for n in names]),
        "<h2>Known material (set aside, not shown)</h2>",
        _table(("category", "series", "items"), [(_esc(c), _esc(s), str(n)) for (c, s), n in groups])
        if groups
        else "<p>No item matched a known list.</p>",
        _queue(data, got, stored, options, jobs),
        "<h2>Videos</h2>",
        _videos(got, stored, options, thumbnails),
        "<h2>Clusters of unknown near-duplicates</h2>",
        _table(("cluster", "size", "items (first 20)"), cluster_rows)
        if cluster_rows
        else "<p>No cluster.</p>",
        "<h2>Problems</h2>",
        _table(("item", "reason"), [(_esc(p), _esc(r)) for p, r in got.problems])
        if got.problems
        else "<p>None.</p>",
        "</body></html>\n",
    ]
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text("".join(parts), encoding="utf-8")
    os.replace(tmp, path)
