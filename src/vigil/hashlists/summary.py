"""What an import reports: records added, merged, skipped and rejected (with reasons), and warnings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

#: Rejected records listed one by one in a summary; the rest are counted by reason.
EXAMPLES_KEPT: Final = 50


@dataclass
class ImportSummary:
    source: str
    format: str
    contributor: str
    records: int = 0
    added: int = 0
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    #: members taken off the list by the import's withdrawal (hashlists/withdrawal.py)
    withdrawn: int = 0
    #: reason → number of records
    rejection_reasons: Counter[str] = field(default_factory=Counter)
    #: the first rejections, with where they are in the file
    rejection_examples: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    provenance_id: int | None = None
    #: False when the import changed nothing (and was rolled back): the same file imported again.
    changed: bool = True
    #: A dry run: the figures of an import that was rolled back (nothing written).
    dry_run: bool = False
    #: SHA-256 of the file's bytes.
    sha256: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "contributor": self.contributor,
            "records": self.records,
            "added": self.added,
            "merged": self.merged,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "rejection_reasons": dict(self.rejection_reasons),
            "warnings": self.warnings,
            # Only imports that withdraw say so: every other import's record stays as it was.
            **({"withdrawn": self.withdrawn} if self.withdrawn else {}),
        }
