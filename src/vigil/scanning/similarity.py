"""Near-duplicate neighbours among the unknown images of a scan, through the PDQ matching index."""

from __future__ import annotations

from collections.abc import Sequence

from vigil.index import PdqIndex
from vigil.scanning.triage import UnknownImage


def pdq_neighbours(images: Sequence[UnknownImage], threshold: int) -> list[list[int]]:
    """For each image, the positions of the images within ``threshold`` of any of its dihedral variants."""
    if not images:
        return []
    index = PdqIndex.build([im.pdq for im in images])
    out: list[list[int]] = []
    for image in images:
        found: set[int] = set()
        for answer in index.query_many(list(image.dihedral), threshold=threshold):
            found.update(m.id for m in answer)
        out.append(sorted(found))
    return out
