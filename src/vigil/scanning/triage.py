"""Triage: put known material aside, group unknown images into near-duplicate clusters, and rank what
the examiner should review first — near-duplicates of known series, then clusters, then the rest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from vigil.scanning.filetypes import ARCHIVE_TYPES
from vigil.scanning.pipeline import ScanItem
from vigil.signals.pdq import MIN_GOOD_QUALITY, PDQ

#: Key of one item within a scan: (top-level ordinal, position among that entry's items).
ItemKey = tuple[int, int]

#: For each image, the positions of the images within ``threshold`` of any of its dihedral variants.
NeighbourFinder = Callable[[Sequence["UnknownImage"], int], list[list[int]]]


@dataclass(frozen=True, slots=True)
class UnknownImage:
    key: ItemKey
    pdq: str
    dihedral: tuple[str, ...]
    quality: int
    near_distance: int | None  # distance to the closest known entry within the near radius


@dataclass
class Triage:
    """Cluster and rank of each unknown image; group counts of known items."""

    cluster_of: dict[ItemKey, int] = field(default_factory=dict)
    cluster_sizes: dict[int, int] = field(default_factory=dict)
    rank_of: dict[ItemKey, int] = field(default_factory=dict)
    reason_of: dict[ItemKey, str] = field(default_factory=dict)
    known_groups: dict[tuple[str, str], int] = field(default_factory=dict)


def is_unknown_image(item: ScanItem) -> bool:
    return (
        item.signals.get(PDQ.name) is not None
        and not item.matches
        and item.error is None
        and (item.signals.quality_of(PDQ.name) or 0) >= MIN_GOOD_QUALITY
    )


def is_unknown_video(item: ScanItem) -> bool:
    """A video that was decoded (its frames may be shown) and matched nothing known."""
    return item.video is not None and not item.matches


def unknown_image(key: ItemKey, item: ScanItem) -> UnknownImage:
    near = min((m.distance for m in item.near), default=None)
    pdq = item.signals.get(PDQ.name) or ""
    variants = tuple(item.signals.queries(PDQ.name)) or (pdq,)
    return UnknownImage(key, pdq, variants, item.signals.quality_of(PDQ.name) or 0, near)


def known_group(item: ScanItem) -> tuple[str, str]:
    best = min(item.matches, key=lambda m: (m.distance, m.entry_id))
    return (best.category or "uncategorised", best.series or "no series")


def cluster(images: Sequence[UnknownImage], neighbours: NeighbourFinder, threshold: int) -> list[int]:
    """Union-find over PDQ neighbours: a label per image; singletons keep a label of their own."""
    parent = list(range(len(images)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, near in enumerate(neighbours(images, threshold)):
        for j in near:
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(len(images))]


def triage(
    known_groups: dict[tuple[str, str], int],
    images: Sequence[UnknownImage],
    neighbours: NeighbourFinder,
    threshold: int,
) -> Triage:
    out = Triage(known_groups=dict(known_groups))
    labels = cluster(images, neighbours, threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        members[label].append(i)
    # Number clusters of two or more by size (largest first), then by first appearance: stable output.
    multi = sorted((m for m in members.values() if len(m) > 1), key=lambda m: (-len(m), m[0]))
    cluster_id = {labels[m[0]]: n + 1 for n, m in enumerate(multi)}
    for i, image in enumerate(images):
        cid = cluster_id.get(labels[i])
        if cid is not None:
            out.cluster_of[image.key] = cid
            out.cluster_sizes[cid] = len(members[labels[i]])

    def order(i: int) -> tuple[int, int, int, int, ItemKey]:
        image = images[i]
        cid = out.cluster_of.get(image.key)
        if image.near_distance is not None:
            return (0, image.near_distance, 0, -image.quality, image.key)
        if cid is not None:
            return (1, cid, 0, -image.quality, image.key)
        return (2, 0, 0, -image.quality, image.key)

    for rank, i in enumerate(sorted(range(len(images)), key=order), start=1):
        image = images[i]
        out.rank_of[image.key] = rank
        if image.near_distance is not None:
            out.reason_of[image.key] = f"near a known series (distance {image.near_distance})"
        elif image.key in out.cluster_of:
            cid = out.cluster_of[image.key]
            out.reason_of[image.key] = f"cluster {cid} of {out.cluster_sizes[cid]} near-duplicates"
        else:
            out.reason_of[image.key] = "unique unknown image"
    return out


def item_status(item: ScanItem) -> str:
    """One word for the report: known, unknown-image, low-quality-image, archive, other, error, skipped."""
    if item.skipped:
        return "skipped"
    if item.matches:
        return "known"
    if item.error is not None:
        return "error"
    if item.signals.get(PDQ.name) is not None:
        good = (item.signals.quality_of(PDQ.name) or 0) >= MIN_GOOD_QUALITY
        return "unknown-image" if good else "low-quality-image"
    if item.mime in ARCHIVE_TYPES:
        return "archive"
    return "other"
