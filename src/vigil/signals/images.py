"""Safe image decoding: every format Pillow reads plus HEIC/HEIF and AVIF, with hard limits.

An image from a seized disk, an upload or a reported URL is hostile input. Limits are checked on the
header, before any pixel is decoded; every failure is an :class:`ImageDecodeError` with a short reason
that the caller reports per file.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

_HEIF_READY = False

#: File-name extensions that claim to be an image: undecodable content under one of them is an error.
IMAGE_EXTENSIONS: Final = frozenset(
    [
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".gif",
        ".webp",
        ".bmp",
        ".dib",
        ".tif",
        ".tiff",
        ".heic",
        ".heif",
        ".avif",
        ".ico",
        ".ppm",
        ".pgm",
        ".pbm",
        ".pnm",
        ".tga",
        ".jp2",
        ".j2k",
        ".psd",
        ".pcx",
        ".sgi",
        ".dds",
        ".icns",
        ".qoi",
    ]
)

_SIXTEEN_BIT_MODES: Final = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})


class ImageDecodeError(Exception):
    """The content claims to be an image but cannot (or must not) be decoded."""


class NotAnImageError(ImageDecodeError):
    """No decoder recognises the content."""


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_pixels: int = 100_000_000
    max_bytes: int = 256 * 1024 * 1024


def enable_extra_formats() -> None:
    """Register HEIC/HEIF (pillow-heif). AVIF is read by Pillow itself (>= 11.3). Idempotent."""
    global _HEIF_READY  # noqa: PLW0603 - one registration per process
    if not _HEIF_READY:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _HEIF_READY = True


def _configure(limits: ImageLimits) -> None:
    # Pillow's own bomb check backs ours up inside decoders that change size late (e.g. ICO, TIFF pages).
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False


def open_image(data: bytes, limits: ImageLimits, *, min_side: int | None = None) -> Image.Image:
    """Decode ``data`` to an RGB image with EXIF orientation applied.

    With ``min_side`` the image may be decoded at a reduced scale (JPEG DCT scaling, else an integer box
    reduction) whose shorter side stays at least ``min_side`` pixels.
    """
    if not data:
        raise ImageDecodeError("empty file")
    if len(data) > limits.max_bytes:
        raise ImageDecodeError(f"file too large to decode ({len(data)} bytes > {limits.max_bytes})")
    enable_extra_formats()
    _configure(limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data))
            width, height = source.size
            if width < 1 or height < 1:
                raise ImageDecodeError(f"invalid dimensions {width}x{height}")
            if width * height > limits.max_pixels:
                raise ImageDecodeError(
                    f"decompression bomb refused: {width}x{height} = {width * height} pixels "
                    f"> limit {limits.max_pixels}"
                )
            if min_side is not None and source.format == "JPEG":
                source.draft("RGB", _draft_request(width, height, min_side))
            source.load()
            im: Image.Image = ImageOps.exif_transpose(source) or source
            if min_side is not None:
                im = _reduce(im, min_side)
            return to_rgb(im)
    except ImageDecodeError:
        raise
    except UnidentifiedImageError as exc:
        raise NotAnImageError("not a recognised image format") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageDecodeError(f"decompression bomb refused: {exc}") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError) as exc:
        raise ImageDecodeError(f"corrupt or truncated image: {_short(exc)}") from exc
    except MemoryError as exc:
        raise ImageDecodeError("image needs too much memory to decode") from exc


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _draft_request(width: int, height: int, min_side: int) -> tuple[int, int]:
    # draft() picks the largest DCT scale keeping both sides >= the request; ask for the aspect ratio so
    # that the shorter side is what bounds the scale.
    shorter = min(width, height)
    if shorter <= min_side:
        return (width, height)
    factor = min_side / shorter
    return (max(1, round(width * factor)), max(1, round(height * factor)))


def _reduce(im: Image.Image, min_side: int) -> Image.Image:
    factor = min(im.size) // min_side
    if factor < 2:
        return im
    if im.mode not in ("RGB", "L", "RGBA", "LA", "CMYK", "I", "F", "RGBX"):
        im = im.convert("RGBA" if "A" in im.mode or "transparency" in im.info else "RGB")
    return im.reduce(factor)


def to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB, alpha dropped as ``convert("RGB")`` does (as HMA hashes)."""
    if im.mode == "RGB":
        return im
    if im.mode in _SIXTEEN_BIT_MODES or im.mode == "F":
        return Image.fromarray(_wide_to_8bit(np.asarray(im)), "L").convert("RGB")
    return im.convert("RGB")


def _wide_to_8bit(arr: npt.NDArray[np.generic]) -> npt.NDArray[np.uint8]:
    values = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if arr.dtype.kind == "f":
        top = float(values.max()) if values.size else 0.0
        if top <= 1.0:  # float images are usually 0..1
            values = values * 255.0
    else:
        top = float(values.max()) if values.size else 0.0
        if top > 65535:
            values = values * (255.0 / top)
        elif top > 255:
            values = values / 257.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def rgb_array(im: Image.Image) -> npt.NDArray[np.uint8]:
    arr = np.asarray(im, dtype=np.uint8)
    if arr.ndim != 3:  # pragma: no cover - to_rgb guarantees RGB
        raise ImageDecodeError(f"unexpected pixel layout {arr.shape}")
    return arr


def looks_like_image(head: bytes) -> bool:
    """Whether some decoder recognises this file header (used when the bytes were too big to keep)."""
    enable_extra_formats()
    try:
        with Image.open(io.BytesIO(head)):
            return True
    except Exception:
        return False
