"""How the hash database grew, by contributor: the items each import added, summed per year.

Read from the imports' provenance rows (each keeps its summary, ``added`` among it), not from the media
table: imports are the only way items come in, there are few of them, and counting a million media
rows on every dashboard refresh would cost more than the page may.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.hashlists.models import Contributor, Provenance


@dataclass
class Growth:
    years: list[int] = field(default_factory=list)
    #: Contributor → items added in each of ``years``.
    added: dict[str, list[int]] = field(default_factory=dict)

    def cumulative(self, contributor: str) -> list[int]:
        total, out = 0, []
        for n in self.added.get(contributor, []):
            total += n
            out.append(total)
        return out

    @property
    def totals(self) -> dict[str, int]:
        """Items added by each contributor, largest first."""
        sums = {name: sum(values) for name, values in self.added.items()}
        return dict(sorted(sums.items(), key=lambda kv: (-kv[1], kv[0])))


def growth_by_contributor(session: Session) -> Growth:
    per: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = session.execute(
        select(Contributor.name, Provenance.created_at, Provenance.summary)
        .join(Contributor, Contributor.id == Provenance.contributor_id)
        .where(Provenance.summary.is_not(None))
    )
    for name, at, summary in rows:
        added = summary.get("added") if isinstance(summary, dict) else None
        if isinstance(added, int) and added > 0:
            per[name][at.year] += added
    if not per:
        return Growth()
    first = min(min(years) for years in per.values())
    last = max(max(years) for years in per.values())
    years = list(range(first, last + 1))
    return Growth(years, {name: [counts.get(y, 0) for y in years] for name, counts in sorted(per.items())})
