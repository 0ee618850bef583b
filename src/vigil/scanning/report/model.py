"""What every report format is written from: the triage plus streamed access to the items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from vigil.scanning.pipeline import ScanItem
from vigil.scanning.triage import ItemKey, Triage, item_status

SCHEMA = "vigil-scan-report"
SCHEMA_VERSION = 1


@dataclass
class ReportData:
    scan: dict[str, Any]
    triage: Triage
    #: Streams (key, item) pairs from the checkpoint; called once per format written.
    items: Callable[[], Iterator[tuple[ItemKey, ScanItem]]]
    counts: Counter[str] = field(default_factory=Counter)
    entries: int = 0

    def row(self, key: ItemKey, item: ScanItem) -> dict[str, Any]:
        """One item as report.json lists it."""
        out = item.to_json(variants=False)
        out.pop("ordinal", None)
        out["entry"] = key[0]
        out["status"] = item_status(item)
        out["cluster"] = self.triage.cluster_of.get(key)
        out["rank"] = self.triage.rank_of.get(key)
        out["review_reason"] = self.triage.reason_of.get(key)
        return out

    def summary(self) -> dict[str, int]:
        return {
            "entries": self.entries,
            "items": sum(n for status, n in self.counts.items() if not status.startswith("_")),
            **{status: self.counts.get(status, 0) for status in STATUSES},
            "clusters": len(self.triage.cluster_sizes),
            "with_warnings": self.counts.get("_warnings", 0),
        }


STATUSES = ("known", "unknown-image", "low-quality-image", "archive", "other", "error", "skipped")
