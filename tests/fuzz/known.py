"""Defects of issue 20 that are being fixed on other branches: the ONE place the bounded run may skip.

The bounded run in ``make test`` (the pytest files of this folder) does not fail on a finding that
matches an entry here; every other finding fails it. ``python -m tests.fuzz`` (and ``make fuzz``)
reports these findings like any other and exits non-zero on them. Each entry names the part of issue
20 it stands for; once that fix is merged the entry is deleted, and the list ends up empty.
"""

from __future__ import annotations

import re
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


def _beyond_64_bits(text: str) -> bool:
    return any(abs(int(n)) >= 2**63 for n in re.findall(r"-?\d{19,}", text))


#: Findings to skip in the bounded run until the fixes of issue 20 are merged. Empty it, entry by entry.
KNOWN_DEFECTS: Final[tuple[KnownDefect, ...]] = (
    KnownDefect(
        # Seen: RuntimeError from the AVIF decoder, BLPFormatError (a NotImplementedError) from the BLP
        # one; the fix treats whatever a codec raises while decoding as a corrupt image.
        "a codec's exception escapes the decoder guard, and the file loses its digests",
        "issue 20 part 2",
        lambda f: f.target == "images" and f.status == "crash" and " at images.py:" in f.detail,
    ),
    KnownDefect(
        "500 on an integer beyond 64 bits in a request",
        "issue 20 part 3",
        lambda f: f.target == "requests" and f.status == "5xx" and _beyond_64_bits(f.request),
    ),
    KnownDefect(
        "a client still sending a body over the limit gets a reset instead of the 413",
        "issue 20, also seen (413 drain)",
        lambda f: f.target == "requests" and f.kind.startswith("oversize-body") and f.status == "crash",
    ),
)


def known_defect(finding: Finding) -> KnownDefect | None:
    return next((d for d in KNOWN_DEFECTS if d.matches(finding)), None)
