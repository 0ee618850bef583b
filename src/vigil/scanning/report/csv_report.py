"""summary.csv: one row per item, the columns an examiner sorts and filters on."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from vigil.scanning.report.model import ReportData
from vigil.signals.values import Signals, layout

ITEM_COLUMNS = (
    "path",
    "archive",
    "status",
    "rank",
    "cluster",
    "category",
    "series",
    "match_distance",
    "mime",
    "video_seconds",
    "video_frames",
)


def columns() -> list[str]:
    """The item's columns, its signals as ``vigil hash`` writes them, then plugins' digests last (so
    that the built-in columns keep their places when a plugin is installed)."""
    return [*ITEM_COLUMNS, *Signals().to_json(), "error", "warnings", *layout().optional]


def write_csv(data: ReportData, path: Path) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns(), extrasaction="ignore")
        writer.writeheader()
        for key, item in data.items():
            row = data.row(key, item)
            best = min(item.matches, key=lambda m: (m.distance, m.entry_id)) if item.matches else None
            row["category"] = best.category if best else None
            row["series"] = best.series if best else None
            row["match_distance"] = best.distance if best else None
            row["warnings"] = "; ".join(item.warnings)
            if item.video is not None:
                row["video_seconds"] = round(item.video.seconds, 3)
                row["video_frames"] = item.video.frames
            writer.writerow(row)
    os.replace(tmp, path)
