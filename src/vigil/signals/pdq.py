"""PDQ, through the ``pdqhash`` binding of Meta's reference C++ code.

Hex is written as the reference ``pdq-photo-hasher`` prints it: 64 lowercase digits, most significant
bit of the 256-bit hash first. The binding returns bits in that order already.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pdqhash

from vigil.signals.base import ContentKind
from vigil.signals.hexbits import bits_to_hex, hamming, normalize_hex

if TYPE_CHECKING:
    from vigil.index.base import HashesLike, IdsLike
    from vigil.index.pdq import PdqIndex

PDQ_BITS: Final = 256
DEFAULT_THRESHOLD: Final = 31
#: Below this quality score PDQ's authors advise not to trust a hash (flat or tiny images).
MIN_GOOD_QUALITY: Final = 50
#: Order of ``pdqhash.compute_dihedral``; kept in every output that lists dihedral hashes.
DIHEDRAL_ORDER: Final = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flip_plus1",
    "flip_minus1",
)


@dataclass(frozen=True, slots=True)
class PdqHash:
    hex: str
    quality: int


@dataclass(frozen=True, slots=True)
class PdqDihedral:
    hashes: tuple[str, ...]  # in DIHEDRAL_ORDER
    quality: int

    @property
    def original(self) -> PdqHash:
        return PdqHash(self.hashes[0], self.quality)


def _check_rgb(rgb: npt.NDArray[np.uint8]) -> None:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 array, got {rgb.shape} {rgb.dtype}")
    if rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ValueError("empty image")


def pdq_from_rgb(rgb: npt.NDArray[np.uint8]) -> PdqHash:
    """PDQ of decoded RGB pixels: identical to the reference for identical pixels."""
    _check_rgb(rgb)
    bits, quality = pdqhash.compute(rgb)
    return PdqHash(bits_to_hex(bits), int(quality))


def pdq_dihedral_from_rgb(rgb: npt.NDArray[np.uint8]) -> PdqDihedral:
    """The 8 dihedral PDQ hashes (rotations and flips) from one decode."""
    _check_rgb(rgb)
    all_bits, quality = pdqhash.compute_dihedral(rgb)
    return PdqDihedral(tuple(bits_to_hex(b) for b in all_bits), int(quality))


class PdqSignal:
    """The ``pdq`` signal type."""

    name: Final = "pdq"
    content_kind: Final[ContentKind] = "image"
    content_kinds: Final[tuple[ContentKind, ...]] = ("image",)
    bits: Final = PDQ_BITS
    #: The one place the PDQ match threshold is written (PDQ's authors' recommendation).
    default_threshold: Final = DEFAULT_THRESHOLD
    label: Final = "PDQ"

    def normalize(self, value: str) -> str:
        return normalize_hex(value, PDQ_BITS, self.label)

    def distance(self, a: str, b: str) -> int:
        return hamming(self.normalize(a), self.normalize(b))

    def build_index(self, hashes: HashesLike, ids: IdsLike | None = None) -> PdqIndex:
        from vigil.index.pdq import PdqIndex

        return PdqIndex.build(hashes, ids)


PDQ: Final = PdqSignal()
