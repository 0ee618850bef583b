"""Known, filed defects: the ONE place the bounded run may skip a finding. Empty: keep it so.

The bounded run in ``make test`` (the pytest files of this folder) does not fail on a finding that
matches an entry here; every other finding fails it. ``python -m tests.fuzz`` (and ``make fuzz``)
reports these findings like any other and exits non-zero on them. An entry is only for a defect that
is filed as an issue and being fixed elsewhere; it names that issue, and goes when the fix lands. The
four defects of issue 20 that the suite was built against are fixed, and their entries are gone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Finding:
    """What a known-defect signature is matched against."""

    target: str  # images | lists | readers | requests
    status: str  # crash | hang | partial | bad | 5xx
    kind: str  # the seed's format (avif, vics, csv ...) or, for requests, the operation or case
    detail: str
    request: str = ""  # requests only: method, URL and body head


@dataclass(frozen=True)
class KnownDefect:
    name: str
    issue_part: str
    matches: Callable[[Finding], bool]


#: Findings the bounded run forgives (see above).
KNOWN_DEFECTS: Final[tuple[KnownDefect, ...]] = ()


def known_defect(finding: Finding) -> KnownDefect | None:
    return next((d for d in KNOWN_DEFECTS if d.matches(finding)), None)
