"""``pdq_regions``: PDQ-style hashes of sub-regions of a picture, a signal that survives crops, padding and
re-framing (issue 19), where a 5 % crop on each side already defeats PDQ.

The idea is asymmetric. A known picture stores the hashes of a few fixed regions (``KNOWN_REGIONS``: the
whole picture, its central 85 %, 70 % and 50 %). A crop, a border or a re-framing of the picture
moves those regions to predictable places of the new picture: under each *hypothesis* of the transform
(symmetric crops and borders of 0 to 25 %, crops of one side of up to 25 %), the query hashes the region
of the new picture where a known region would now lie (``QUERY_REGIONS``, each remembering which known
region it stands for). An index of the known regions (``vigil.index.regions``) then finds the pictures
one of whose regions is within a small distance of the query region standing for it, and verifies them.

Each region becomes a 64x64 luma buffer by area averaging (an integral image sampled bilinearly, so
region borders fall between pixels), hashed as PDQ hashes its buffer: 16x16 lowest DCT coefficients
above or below their median, and PDQ's quality metric. Every region of one picture is computed at once
from the one reduced luma decode the PDQ fast path makes.

The value is the known regions' hashes, 64 hex digits each, in ``KNOWN_REGIONS`` order; a region too flat
to hash (quality below ``MIN_REGION_QUALITY``) is written as 64 zeros and never matched. The query regions'
hashes, in ``QUERY_REGIONS`` order, travel as the signal's one variant (``Signals.variants``): what a
lookup searches with, never stored.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from vigil.arrays import F32, F64, U8
from vigil.signals.base import ContentKind, InvalidSignalError
from vigil.signals.images import ImageLimits, decode_reduced

if TYPE_CHECKING:
    from vigil.index.base import HashesLike, IdsLike
    from vigil.index.regions import RegionIndex

NAME: Final = "pdq_regions"
HASH_BITS: Final = 256
HEX: Final = HASH_BITS // 4
#: Largest distance between a query region and the known region it stands for that counts.
DEFAULT_THRESHOLD: Final = 24
#: Regions flatter than this (PDQ's quality metric, 0-100) are not hashed: every flat region looks alike.
#: Measured on the benchmark corpus: 50 (PDQ's advice for whole pictures) leaves a fifth of the photos
#: (smooth wallpapers) without a region; 10 keeps 90 % of them at about the same false matches.
MIN_REGION_QUALITY: Final = 10
#: A region below that quality is still hashed when it is not flat (its cell means' standard deviation, in
#: luma levels, at least this) and, on the stored side, stable: PDQ's metric truncates each neighbour
#: difference to whole percent, so a smooth gradient with real structure scores 0 although its hash holds.
MIN_REGION_STD: Final = 1.0
#: Stable: the hashes of the region shrunk and grown by ``JITTER`` of its size per side are both within
#: this many bits of its own (the query threshold: a 5 % crop falls between two hypotheses' regions).
STABLE_BITS: Final = 24
JITTER: Final = 0.01
#: The decode the regions are computed from keeps at least this many pixels on its shorter side.
MIN_SIDE: Final = 256
ZERO: Final = "0" * HEX

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the picture

#: The regions a known picture stores: the whole picture (borders), and central crops, each the largest
#: one inside the new picture for a band of crops: 85 % up to 7.5 % per side, 70 % up to 15 %, 50 % up to
#: 25 % (one side too). Without the 85 % one, crops of 5 % found 93.5 % of the benchmark's pictures (its
#: 70 % region then has to match alone); with it 96.9 %, at the same false matches.
KNOWN_REGIONS: Final[tuple[Rect, ...]] = (
    (0.0, 0.0, 1.0, 1.0),
    (0.075, 0.075, 0.925, 0.925),
    (0.15, 0.15, 0.85, 0.85),
    (0.25, 0.25, 0.75, 0.75),
)


#: Values written before the central 85 % region was added (whole, 70 %, 50 %) are read as four regions
#: with that one flat: the three they hold are hashed exactly as today's.
LEGACY_REGIONS: Final = (KNOWN_REGIONS[0], *KNOWN_REGIONS[2:])


def _jittered() -> tuple[Rect, ...]:
    """Each known region shrunk, then grown, by ``JITTER`` of its size on every side (clipped)."""
    out: list[Rect] = []
    for x0, y0, x1, y1 in KNOWN_REGIONS:
        dx, dy = JITTER * (x1 - x0), JITTER * (y1 - y0)
        out.append((x0 + dx, y0 + dy, x1 - dx, y1 - dy))
        out.append((max(x0 - dx, 0.0), max(y0 - dy, 0.0), min(x1 + dx, 1.0), min(y1 + dy, 1.0)))
    return tuple(out)


#: Where the stability of each known region is checked: two rectangles per region, in order.
JITTERED: Final = _jittered()
#: Symmetric crops (negative: borders) the query side hypothesises, as fractions removed from each side.
SYMMETRIC: Final = tuple(round(0.0075 * i, 4) for i in range(-16, 34))
#: Crops of one side only.
ONE_SIDED: Final = tuple(round(0.01 * i, 3) for i in range(1, 26))
#: Two hypotheses giving query regions closer than this (each coordinate) keep one region.
SAME_REGION: Final = 0.004


def _hypotheses() -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) fractions of the known picture cut away (negative: added)."""
    out = [(c, c, c, c) for c in SYMMETRIC]
    for t in ONE_SIDED:
        out += [(t, 0, 0, 0), (0, t, 0, 0), (0, 0, t, 0), (0, 0, 0, t)]
    return out


def _query_regions() -> tuple[tuple[Rect, ...], tuple[int, ...]]:
    rects: list[Rect] = []
    known_of: list[int] = []
    for k, (x0, y0, x1, y1) in enumerate(KNOWN_REGIONS):
        for left, top, right, bottom in _hypotheses():
            width, height = 1 - left - right, 1 - top - bottom
            rect = ((x0 - left) / width, (y0 - top) / height, (x1 - left) / width, (y1 - top) / height)
            if min(rect) < -1e-9 or max(rect) > 1 + 1e-9:
                continue  # the known region is not all inside the new picture
            clipped: Rect = (
                round(max(rect[0], 0.0), 4),
                round(max(rect[1], 0.0), 4),
                round(min(rect[2], 1.0), 4),
                round(min(rect[3], 1.0), 4),
            )
            close = any(
                known_of[i] == k and max(abs(a - b) for a, b in zip(r, clipped, strict=True)) < SAME_REGION
                for i, r in enumerate(rects)
            )
            if not close:
                rects.append(clipped)
                known_of.append(k)
    return tuple(rects), tuple(known_of)


#: Where the query side looks, and which known region each query region stands for.
QUERY_REGIONS, QUERY_KNOWN = _query_regions()


@dataclass(frozen=True, slots=True)
class RegionHashes:
    #: The stored value: ``KNOWN_REGIONS`` hashes (zeros for flat regions).
    value: str
    #: The query regions' hashes, in ``QUERY_REGIONS`` order (zeros for flat regions).
    query: str
    #: Quality of the whole picture's region (PDQ's metric).
    quality: int


def _dct_matrix() -> F64:
    i = np.arange(1, 17, dtype=np.float64)[:, None]
    j = np.arange(64, dtype=np.float64)[None, :]
    out: F64 = np.sqrt(2.0 / 64.0) * np.cos((np.pi / 128.0) * i * (2 * j + 1))
    return out


_DCT: Final = _dct_matrix().astype(np.float32)


def region_buffers(luma: F32, rects: tuple[Rect, ...]) -> F32:
    """(R, 64, 64) mean luma of each region's 64x64 cells (cells may split pixels)."""
    from vigil.signals.region_kernels import cell_means

    height, width = luma.shape
    integral = np.zeros((height + 1, width + 1), dtype=np.float64)
    np.cumsum(np.cumsum(luma, axis=0, dtype=np.float64), axis=1, out=integral[1:, 1:])
    out: F32 = np.empty((len(rects), 64, 64), dtype=np.float32)
    cell_means(integral, np.asarray(rects, dtype=np.float64), out)
    return out


def hash_buffers(buffers: F32) -> tuple[U8, npt.NDArray[np.int64]]:
    """PDQ's hash and quality of each 64x64 buffer: (R, 32) bytes, most significant bit first."""
    coefficients = _DCT @ buffers @ _DCT.T  # (R, 16, 16)
    flat = coefficients.reshape(coefficients.shape[0], 256)
    median = np.partition(flat, 127, axis=1)[:, 127:128]  # PDQ: a bit is set above this one
    bits = np.packbits(flat > median, axis=1)
    # PDQ's metric: the sum of neighbour differences, in percent of the luma range, over 90.
    down = np.abs(np.trunc((buffers[:, :-1, :] - buffers[:, 1:, :]) * (100.0 / 255.0))).sum(axis=(1, 2))
    across = np.abs(np.trunc((buffers[:, :, :-1] - buffers[:, :, 1:]) * (100.0 / 255.0))).sum(axis=(1, 2))
    quality = np.minimum(((down + across) // 90).astype(np.int64), 100)
    return bits, quality


def _hex(bits: U8, keep: npt.NDArray[np.bool_]) -> str:
    kept = np.where(keep[:, None], bits, 0).astype(np.uint8)
    return kept.tobytes().hex()


def _stable(bits: U8, jittered: U8) -> npt.NDArray[np.bool_]:
    """Per known region, whether both its jittered hashes stay within ``STABLE_BITS`` of its own."""
    pairs = jittered.reshape(bits.shape[0], 2, 32)
    apart = np.unpackbits(pairs ^ bits[:, None, :], axis=2).sum(axis=2)
    out: npt.NDArray[np.bool_] = apart.max(axis=1) <= STABLE_BITS
    return out


def regions_from_luma(luma: F32) -> RegionHashes:
    """Every region hash of an oriented luma image (values 0-255)."""
    if luma.ndim != 2 or luma.shape[0] < 1 or luma.shape[1] < 1:
        raise ValueError(f"expected a non-empty 2-D luma array, got {luma.shape}")
    rects = KNOWN_REGIONS + JITTERED + QUERY_REGIONS
    buffers = region_buffers(luma, rects)
    bits, quality = hash_buffers(buffers)
    textured = buffers.reshape(len(rects), -1).std(axis=1) >= MIN_REGION_STD
    good = quality >= MIN_REGION_QUALITY
    k, j = len(KNOWN_REGIONS), len(KNOWN_REGIONS) + len(JITTERED)
    # Below the quality floor a stored region must also prove stable; a query region need not, since a
    # wrong one only meets stored regions that did.
    stored = good[:k] | (textured[:k] & _stable(bits[:k], bits[k:j]))
    asked = good[j:] | textured[j:]
    return RegionHashes(_hex(bits[:k], stored), _hex(bits[j:], asked), int(quality[0]))


def oriented_luma(image: Image.Image) -> F32:
    """The luma of a decoded picture (any mode) as float32."""
    grey = image if image.mode == "L" else image.convert("L")
    out: F32 = np.asarray(grey, dtype=np.float32)
    return out


def regions_from_bytes(data: bytes, limits: ImageLimits, min_side: int = MIN_SIDE) -> RegionHashes:
    """The region hashes of an encoded picture, from a reduced luma decode (EXIF orientation applied)."""
    reduced = decode_reduced(data, limits, min_side, luma=True)
    return regions_from_luma(oriented_luma(reduced.oriented()))


def split(value: str) -> list[str]:
    """The 64-digit region hashes of a value (zeros included)."""
    return [value[i : i + HEX] for i in range(0, len(value), HEX)]


class PdqRegionsSignal:
    """The ``pdq_regions`` signal type."""

    name: Final = NAME
    content_kind: Final[ContentKind] = "image"
    content_kinds: Final[tuple[ContentKind, ...]] = ("image",)
    bits: Final = HASH_BITS * len(KNOWN_REGIONS)
    default_threshold: Final = DEFAULT_THRESHOLD
    #: Written in ``vigil hash`` output only when computed (``VIGIL_PDQ_REGIONS``), with no quality column.
    optional: Final = True
    label: Final = "PDQ regions"

    def normalize(self, value: str) -> str:
        """A stored value (``KNOWN_REGIONS`` hashes) or a query (``QUERY_REGIONS`` hashes), lowercase.
        A stored value of before the central 85 % region (three regions) gains it as flat."""
        text = value.strip().lower()
        if len(text) == HEX * len(LEGACY_REGIONS):
            text = text[:HEX] + ZERO + text[HEX:]
        if len(text) not in (HEX * len(KNOWN_REGIONS), HEX * len(QUERY_REGIONS)):
            raise InvalidSignalError(
                f"not a {self.label} value: expected {HEX * len(KNOWN_REGIONS)} hex digits, got {len(text)}"
            )
        try:
            bytes.fromhex(text)
        except ValueError:
            raise InvalidSignalError(f"not a {self.label} value: not hex") from None
        if any(c.isspace() for c in text):
            raise InvalidSignalError(f"not a {self.label} value: not hex")
        return text

    def normalize_stored(self, value: str) -> str:
        """A stored value only (what imports keep): a query form would never be found again."""
        text = self.normalize(value)
        if len(text) != HEX * len(KNOWN_REGIONS):
            raise InvalidSignalError(
                f"not a {self.label} value: expected {HEX * len(KNOWN_REGIONS)} hex digits, got {len(text)}"
                " (a query form, which is looked up with, not stored)"
            )
        return text

    def distance(self, a: str, b: str) -> int:
        """The smallest distance between a region of ``a`` and a region of ``b`` (flat ones excluded;
        ``bits`` when no region can be compared)."""
        best = self.bits
        for x, y in itertools.product(split(self.normalize(a)), split(self.normalize(b))):
            if ZERO not in (x, y):
                best = min(best, (int(x, 16) ^ int(y, 16)).bit_count())
        return best

    def build_index(self, hashes: HashesLike, ids: IdsLike | None = None) -> RegionIndex:
        from vigil.index.regions import RegionIndex

        return RegionIndex.build(hashes, ids)


PDQ_REGIONS: Final = PdqRegionsSignal()
