"""Fast-mode PDQ: the full-resolution hash, computed from a reduced decode.

PDQ turns the luma of the whole image into a 64x64 buffer (two passes of a box filter whose window
depends on the image size, then one sample per cell) and hashes that buffer. The buffer samples a lightly
filtered image, so simply hashing a smaller decode moves the samples and changes fine detail: tens of bits
on textures. Here the buffer that PDQ would compute at full resolution is computed from the reduced
decode instead: each reduced pixel is the mean of a ``scale`` x ``scale`` block, so PDQ's filter weights,
summed over each block, apply to it (the exact PDQ geometry, EXIF orientation included, without rotating
any pixel). The buffer is handed to Meta's code (``pdqhash``) as a 64x64 image, which PDQ hashes as it
is; its luma is spread over the three channels so that it keeps a precision of about 0.05.

A few hashes are fragile: many DCT coefficients sit on the median (chessboards, symmetric textures), so
any approximation flips bits. Those are recomputed from the full decode, unless their quality is below
``MIN_GOOD_QUALITY`` (flat images, whose hashes mean nothing). The benchmark checks the
distance to ``--exact`` over the whole corpus (bench/hashing.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image

from vigil.signals.images import ImageLimits, ReducedImage, decode_reduced, open_image, rgb_array, to_rgb
from vigil.signals.pdq import MIN_GOOD_QUALITY, PdqDihedral, PdqHash, pdq_dihedral_from_rgb, pdq_from_rgb
from vigil.signals.preview import jpeg_preview
from vigil.signals.regions import RegionHashes, oriented_luma, regions_from_luma

#: PDQ's buffer side, and the divisor of the image side that gives its box-filter window (pdq/cpp).
_CELLS: Final = 64
_WINDOW_DIVISOR: Final = 128
#: A hash is fragile when more than FRAGILE_MAX of its 256 DCT coefficients lie within FRAGILE_MARGIN times
#: their median absolute deviation (and at least FRAGILE_FLOOR) of the median, which decides every bit:
#: each of them could flip. Calibrated on the benchmark corpus: photos have at most 6 such coefficients;
#: chessboards, symmetric textures and stripes have 20 to 40 (ties at the median).
FRAGILE_MARGIN: Final = 0.01
FRAGILE_FLOOR: Final = 0.1
FRAGILE_MAX: Final = 8

FastPath = Literal["full", "reduced", "fallback", "sampled"]

_T = Image.Transpose
#: Transposition → (swap axes, flip rows, flip columns): ``oriented = flips(source.T if swap else source)``.
_GEOMETRY: Final[dict[Image.Transpose | None, tuple[bool, bool, bool]]] = {
    None: (False, False, False),
    _T.FLIP_LEFT_RIGHT: (False, False, True),
    _T.ROTATE_180: (False, True, True),
    _T.FLIP_TOP_BOTTOM: (False, True, False),
    _T.TRANSPOSE: (True, False, False),
    _T.ROTATE_270: (True, False, True),
    _T.TRANSVERSE: (True, True, True),
    _T.ROTATE_90: (True, True, False),
}


@dataclass(frozen=True, slots=True)
class FastPdq:
    signal: PdqHash | PdqDihedral
    #: ``full``: image too small to reduce, hashed from the full decode (identical to exact mode);
    #: ``reduced``: from the reduced decode; ``fallback``: fragile, recomputed from the full decode.
    path: FastPath
    #: With ``preview``: a JPEG preview of an image of good quality (signals/preview.py).
    preview: bytes | None = None
    #: With ``regions``: the crop-resistant region hashes, from the same decode (signals/regions.py).
    regions: RegionHashes | None = None


def fast_pdq(
    data: bytes,
    limits: ImageLimits,
    min_side: int,
    *,
    dihedral: bool = False,
    preview: int = 0,
    regions: bool = False,
) -> FastPdq:
    """PDQ (or the 8 dihedral hashes) of an encoded image, decoded at reduced scale when it is large;
    with ``preview`` > 0, also a preview of that side from the same decode (a colour one: a JPEG is then
    decoded as YCbCr, whose Y plane is exactly what the luma decode gives, so hashes do not change)."""
    reduced = decode_reduced(data, limits, min_side, luma=True, colour=preview > 0)
    path: FastPath
    parts = regions_from_luma(oriented_luma(reduced.oriented())) if regions else None
    if reduced.scale == 1:
        full = to_rgb(reduced.oriented())
        signal, path = _hash(rgb_array(full), dihedral), "full"
        if preview and signal.quality >= MIN_GOOD_QUALITY:
            return FastPdq(signal, path, jpeg_preview(full, None, preview), parts)
        return FastPdq(signal, path, regions=parts)
    pixels = _encode_luma(pdq_buffer(reduced))
    if _fragile(pixels, MIN_GOOD_QUALITY):
        signal, path = _hash(rgb_array(open_image(data, limits)), dihedral), "fallback"
    else:
        signal, path = _hash(pixels, dihedral), "reduced"
    if preview and reduced.colour is not None and signal.quality >= MIN_GOOD_QUALITY:
        return FastPdq(signal, path, jpeg_preview(reduced.colour, reduced.transpose, preview), parts)
    return FastPdq(signal, path, regions=parts)


def _hash(pixels: npt.NDArray[np.uint8], dihedral: bool) -> PdqHash | PdqDihedral:
    return pdq_dihedral_from_rgb(pixels) if dihedral else pdq_from_rgb(pixels)


def pdq_buffer(reduced: ReducedImage) -> npt.NDArray[np.float64]:
    """PDQ's 64x64 luma buffer of the full-resolution, oriented image, from a reduced ``L`` decode."""
    swap, flip_rows, flip_cols = _GEOMETRY[reduced.transpose]
    luma: npt.NDArray[np.float32] = np.asarray(reduced.image, dtype=np.float32)
    width, height = reduced.full_size
    if swap:
        luma, width, height = luma.T, height, width
    rows_at, rows_w = _axis_weights(height, luma.shape[0], reduced.scale, flip_rows)
    cols_at, cols_w = _axis_weights(width, luma.shape[1], reduced.scale, flip_cols)
    along_rows = np.einsum("im,imw->iw", rows_w, luma[rows_at])
    buffer: npt.NDArray[np.float64] = np.einsum("jm,ijm->ij", cols_w, along_rows[:, cols_at]).astype(
        np.float64
    )
    return buffer


@lru_cache(maxsize=1024)
def _axis_weights(
    full: int, reduced: int, scale: int, flipped: bool
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """Along one axis: for each of the 64 cells, the reduced pixels it reads and their weights.

    PDQ at full resolution: a box filter of ``window`` pixels, twice, then the sample at
    ``int((i + 0.5) * full / 64)``. An even window reaches one pixel further right than left, and windows
    shrink at the borders (pdq/cpp/downscaling). Each pixel's weight goes to the reduced pixel of its
    block; ``flipped``: the oriented axis runs backwards over the file's pixels.
    """
    window = (full + _WINDOW_DIVISOR - 1) // _WINDOW_DIVISOR
    right = (window + 2) // 2 - 1
    left = window - 1 - right
    dense = np.zeros((_CELLS, reduced))
    for cell in range(_CELLS):
        sample = int(((cell + 0.5) * full) / _CELLS)
        first, last = max(0, sample - left), min(full - 1, sample + right)
        mids = np.arange(first, last + 1)
        starts, ends = np.maximum(0, mids - left), np.minimum(full - 1, mids + right)
        weights = 1.0 / ((last - first + 1) * (ends - starts + 1))
        base = int(starts[0])
        steps = np.zeros(int(ends[-1]) - base + 2)
        np.add.at(steps, starts - base, weights)
        np.add.at(steps, ends + 1 - base, -weights)
        pixels = np.arange(base, base + len(steps) - 1)
        if flipped:
            pixels = full - 1 - pixels
        blocks = np.minimum(pixels // scale, reduced - 1)
        dense[cell] = np.bincount(blocks, weights=np.cumsum(steps)[:-1], minlength=reduced)
    used = dense != 0
    lo = used.argmax(axis=1)
    band = int((reduced - used[:, ::-1].argmax(axis=1) - lo).max())
    at = np.minimum(lo, reduced - band)[:, None] + np.arange(band)[None, :]
    return at, np.take_along_axis(dense, at, axis=1).astype(np.float32)


def _luma_steps() -> npt.NDArray[np.float64]:
    """(luma offset, dR, dG, dB) for channel offsets in {-1, 0, 1}, sorted by offset."""
    rows = {
        (0.299 * r + 0.587 * g + 0.114 * b, r, g, b) for r, g, b in itertools.product((-1, 0, 1), repeat=3)
    }
    return np.array(sorted(rows), dtype=np.float64)


_STEPS: Final = _luma_steps()


def _encode_luma(buffer: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    """A 64x64 RGB image whose luma (0.299 R + 0.587 G + 0.114 B, as pdqhash computes it) is ``buffer``
    to within about 0.05, where a grey image would round it to whole levels."""
    base = np.rint(buffer)
    residue = buffer - base
    offsets = _STEPS[:, 0]
    at = np.clip(np.searchsorted(offsets, residue), 1, len(offsets) - 1)
    at = np.where(np.abs(offsets[at - 1] - residue) < np.abs(offsets[at] - residue), at - 1, at)
    rgb = np.clip(base[..., None] + _STEPS[at, 1:], 0, 255)
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def _fragile(pixels: npt.NDArray[np.uint8], min_quality: int) -> bool:
    """Whether the hash of ``pixels`` is too fragile to trust; hashes below ``min_quality`` (flat images,
    often without a single informative coefficient) are meaningless anyway and never recomputed."""
    coefficients, quality = pdqhash.compute_float(pixels)
    if quality < min_quality:
        return False
    values = np.asarray(coefficients, dtype=np.float64)
    median = np.partition(values, 127)[127]  # PDQ sets a bit when its coefficient is above this one
    spread = np.abs(values - median)
    margin = max(FRAGILE_MARGIN * float(np.median(spread)), FRAGILE_FLOOR)
    return int(np.count_nonzero(spread <= margin)) > FRAGILE_MAX


_LUMA_WEIGHTS: Final = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def pdq_from_rgb_sampled(rgb: npt.NDArray[np.uint8]) -> tuple[PdqHash, FastPath]:
    """PDQ of decoded RGB pixels (a video frame) from PDQ's 64x64 buffer computed in numpy: only the
    rows and columns the buffer reads are turned into luma, and Meta's code hashes the buffer. A fragile
    hash (see module docstring) is recomputed by Meta's code from all the pixels (path ``fallback``)."""
    height, width = rgb.shape[:2]
    if height < _CELLS or width < _CELLS:
        return pdq_from_rgb(rgb), "full"
    rows_at, rows_w = _axis_weights(height, height, 1, False)
    cols_at, cols_w = _axis_weights(width, width, 1, False)
    rows, row_of = np.unique(rows_at, return_inverse=True)
    if rows.shape[0] == height:  # every row is read (images up to a few thousand rows high)
        picked, index = rgb, rows_at
    else:
        picked, index = rgb[rows], row_of.reshape(rows_at.shape)
    # PDQ's luma (pdqhashing.cpp, fillFloatLumaFromRGB) as one matrix product, in float32: within 1e-4
    # of Meta's sum, far below the precision the buffer is handed over with (0.05).
    luma = picked @ _LUMA_WEIGHTS
    along_rows = np.einsum("im,imw->iw", rows_w, luma[index])
    buffer = np.einsum("jm,ijm->ij", cols_w, along_rows[:, cols_at]).astype(np.float64)
    pixels = _encode_luma(buffer)
    if _fragile(pixels, MIN_GOOD_QUALITY):
        return pdq_from_rgb(rgb), "fallback"
    return pdq_from_rgb(pixels), "sampled"
