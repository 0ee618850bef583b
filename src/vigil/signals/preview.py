"""Small JPEG previews of an image, made from a decode that hashing already paid for.

A scan keeps one for each unknown image so that its report need not decode the evidence again; the
preview is a function of the content alone (same bytes in, same bytes out), whichever process makes it.
"""

from __future__ import annotations

import io
from typing import Final

from PIL import Image

from vigil.signals.images import to_rgb

#: Longest side of a preview, in pixels.
PREVIEW_SIDE: Final = 160
PREVIEW_QUALITY: Final = 70


def jpeg_preview(image: Image.Image, transpose: Image.Transpose | None, side: int = PREVIEW_SIDE) -> bytes:
    """``image`` (any mode, in the file's orientation) shrunk to fit ``side`` x ``side``, oriented, as a
    JPEG."""
    width, height = image.size
    factor = max(width, height) / side
    if factor > 1:
        size = (max(1, round(width / factor)), max(1, round(height / factor)))
        if image.mode not in ("RGB", "RGBX", "L", "YCbCr", "CMYK"):
            image = to_rgb(image)
        # reducing_gap=1: an integer box reduction to just above the final size, then Lanczos: 3x faster
        # than Lanczos alone, and a preview needs no more.
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)
    if transpose is not None:
        image = image.transpose(transpose)
    buf = io.BytesIO()
    to_rgb(image).save(buf, "JPEG", quality=PREVIEW_QUALITY)
    return buf.getvalue()
