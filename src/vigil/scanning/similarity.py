"""Near-duplicate neighbours among the unknown images of a scan.

Up to a few thousand images every pair is compared with numpy (milliseconds, and a small scan does not
pay for loading the matching index's compiled kernels); beyond that, through the PDQ matching index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from vigil.scanning.triage import UnknownImage

#: Images up to which all pairs are compared directly (8 x N^2 distances).
DIRECT_MAX: Final = 4096
#: Query hashes compared against all images at once: bounds the (queries x images x 4) words in memory.
_BLOCK_WORDS: Final = 1 << 21


def pdq_neighbours(images: Sequence[UnknownImage], threshold: int) -> list[list[int]]:
    """For each image, the positions of the images within ``threshold`` of any of its dihedral variants."""
    if not images:
        return []
    if len(images) <= DIRECT_MAX:
        return direct_neighbours(images, threshold)
    from vigil.index import PdqIndex  # the compiled kernels load only for scans that need them

    index = PdqIndex.build([im.pdq for im in images])
    out: list[list[int]] = []
    for image in images:
        found: set[int] = set()
        for answer in index.query_many(list(image.dihedral), threshold=threshold):
            found.update(m.id for m in answer)
        out.append(sorted(found))
    return out


def _words(hashes: Sequence[str]) -> npt.NDArray[np.uint64]:
    return np.array([[int(h[i : i + 16], 16) for i in range(0, 64, 16)] for h in hashes], dtype=np.uint64)


def direct_neighbours(images: Sequence[UnknownImage], threshold: int) -> list[list[int]]:
    """``pdq_neighbours`` by comparing every dihedral variant with every image."""
    base = _words([im.pdq for im in images])
    owner = np.repeat(np.arange(len(images)), [len(im.dihedral) for im in images])
    queries = _words([h for im in images for h in im.dihedral])
    found: list[set[int]] = [set() for _ in images]
    step = max(1, _BLOCK_WORDS // (4 * len(images)))
    for start in range(0, len(queries), step):
        block = queries[start : start + step]
        distances = np.bitwise_count(block[:, None, :] ^ base[None, :, :]).sum(axis=2)
        for q, j in zip(*np.nonzero(distances <= threshold), strict=True):
            found[int(owner[start + q])].add(int(j))
    return [sorted(s) for s in found]
