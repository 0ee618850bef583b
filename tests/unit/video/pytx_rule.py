"""python-threatexchange's vPDQ rule, ported line by line as the oracle of the video matching tests.

pytx (``extensions/vpdq``): ``prepare_vpdq_feature`` filters by quality, then ``dedupe`` keeps the first
frame of each hash (the order ``VPDQIndex`` matches with; ``match_VPDQ_hash_brute`` dedupes first);
``match_VPDQ_in_another`` counts the frames of one list within ``distance`` of any frame of the other;
the percentages are ``count * 100 / len``. Frames here are ``(frame number, quality, hex, timestamp)``
tuples, as in Meta's sample hash files. Plain Python on hex text: nothing shared with the code under test.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

Frame = tuple[int, int, str, float]


def read_sample(path: Path) -> list[Frame]:
    """A sample hash file: one ``frame number,quality,hex,timestamp`` line per frame."""
    frames = []
    for line in path.read_text().splitlines():
        if line.strip():
            number, quality, pdq, stamp = line.split(",")
            frames.append((int(number), int(quality), pdq.strip(), float(stamp)))
    return frames


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def quality_filter(frames: Sequence[Frame], quality: int) -> list[Frame]:
    return [f for f in frames if f[1] >= quality]


def dedupe(frames: Sequence[Frame]) -> list[Frame]:
    seen: set[str] = set()
    out = []
    for f in frames:
        if f[2] not in seen:
            out.append(f)
            seen.add(f[2])
    return out


def prepare(frames: Sequence[Frame], quality: int, *, brute_order: bool = False) -> list[Frame]:
    if brute_order:
        return quality_filter(dedupe(frames), quality)
    return dedupe(quality_filter(frames, quality))


def matched(a: Sequence[Frame], b: Sequence[Frame], dist: int) -> list[bool]:
    """For each frame of ``a``: is some frame of ``b`` within ``dist``?"""
    return [any(distance(x[2], y[2]) <= dist for y in b) for x in a]


def percentages(
    query: Sequence[Frame],
    other: Sequence[Frame],
    quality: int = 50,
    dist: int = 31,
    *,
    brute_order: bool = False,
) -> tuple[float, float] | None:
    """(query-match %, compared-match %), or None when a side has no frame left (pytx divides by zero)."""
    q = prepare(query, quality, brute_order=brute_order)
    o = prepare(other, quality, brute_order=brute_order)
    if not q or not o:
        return None
    return sum(matched(q, o, dist)) * 100 / len(q), sum(matched(o, q, dist)) * 100 / len(o)


def runs(kept: Sequence[Frame], hit: Sequence[bool]) -> list[tuple[float, float, int, int, int]]:
    """Runs of consecutive matched kept frames: (start s, end s, first frame, last frame, frames)."""
    out: list[tuple[float, float, int, int, int]] = []
    current: list[Frame] = []
    for frame, ok in [*zip(kept, hit, strict=True), (None, False)]:
        if ok:
            assert frame is not None
            current.append(frame)
        elif current:
            out.append((current[0][3], current[-1][3], current[0][0], current[-1][0], len(current)))
            current = []
    return out
