"""Safe image decoding: every format Pillow reads plus HEIC/HEIF and AVIF, with hard limits.

An image from a seized disk, an upload or a reported URL is hostile input. Limits are checked on the
header, before any pixel is decoded; every failure is an :class:`ImageDecodeError` with a short reason
that the caller reports per file.
"""

from __future__ import annotations

import dataclasses
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from vigil.signals.image_faults import image_signature, raised_in_vigil

_HEIF_READY = False

# Pillow advises converting transparent palette images to RGBA; Vigil converts to RGB on purpose (as HMA
# does), so the advice is noise on an examiner's console, wherever the conversion happens.
warnings.filterwarnings("ignore", message="Palette images with Transparency", category=UserWarning)

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
#: Modes reduced as they are in fast mode; their conversion to RGB commutes with averaging.
_REDUCE_FIRST: Final = frozenset({"RGB", "RGBX", "L"})
#: Modes whose alpha is dropped before the reduction.
_ALPHA_DROPPED: Final = {"RGBA": "RGB", "LA": "L"}


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


@dataclass(frozen=True, slots=True)
class ReducedImage:
    """A decode at reduced scale, still in the file's own orientation.

    Pixel ``(x, y)`` of ``image`` averages the full-resolution pixels ``[x*scale, (x+1)*scale)`` by
    ``[y*scale, (y+1)*scale)`` (JPEG DCT scaling or a box reduction; the last row and column may cover
    fewer). ``scale == 1``: the full decode, mode untouched. ``transpose``: the EXIF orientation still to
    apply, as ``ImageOps.exif_transpose`` would.
    """

    image: Image.Image
    full_size: tuple[int, int]
    scale: int
    transpose: Image.Transpose | None
    #: With ``colour``: the same picture in colour (RGB, RGBX, YCbCr or L), at ``scale`` or larger, in
    #: the file's orientation; for previews, never for hashing.
    colour: Image.Image | None = None

    def oriented(self) -> Image.Image:
        return self.image if self.transpose is None else self.image.transpose(self.transpose)


#: EXIF orientation → the transposition that undoes it (the table of ``ImageOps.exif_transpose``).
_ORIENTATION: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def open_image(data: bytes, limits: ImageLimits, *, min_side: int | None = None) -> Image.Image:
    """Decode ``data`` to an RGB image with EXIF orientation applied.

    With ``min_side`` the image may be decoded at a reduced scale (JPEG DCT scaling, else an integer box
    reduction) whose shorter side stays at least ``min_side`` pixels.
    """
    with _decoding():
        source = _open_checked(data, limits)
        if min_side is not None:
            return to_rgb(_reduced(source, min_side, luma=False).oriented())
        source.load()
        # In place: without an orientation tag, exif_transpose would return a full-size copy.
        ImageOps.exif_transpose(source, in_place=True)
        return to_rgb(source)


def decode_reduced(
    data: bytes, limits: ImageLimits, min_side: int, *, luma: bool = False, colour: bool = False
) -> ReducedImage:
    """Decode ``data`` at the smallest scale whose shorter side keeps at least ``min_side`` pixels.

    With ``luma`` a reduced image (``scale > 1``) comes as mode ``L`` (JPEG decodes its Y channel only);
    an image too small to reduce comes as decoded, so that orienting it and ``to_rgb`` give exactly the
    pixels of ``open_image``. With ``colour`` as well, ``colour`` holds a colour version and ``image`` is
    the very same ``L`` image: a JPEG is then decoded as YCbCr, whose Y plane is what libjpeg gives for
    ``L``.
    """
    with _decoding():
        if colour and luma:
            try:
                return _reduced(_open_checked(data, limits), min_side, luma=True, colour=True)
            except OSError:
                # A JPEG stored as RGB cannot be decoded as YCbCr (libjpeg refuses the conversion); its
                # preview stays grey rather than costing a second decode.
                reduced = _reduced(_open_checked(data, limits), min_side, luma=True)
                return dataclasses.replace(reduced, colour=reduced.image)
        return _reduced(_open_checked(data, limits), min_side, luma=luma)


@contextmanager
def _decoding() -> Iterator[None]:
    """Every decoding failure as an :class:`ImageDecodeError` with a short reason."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow's advice on palette transparency is for the caller, not for the examiner's console.
            warnings.simplefilter("ignore", UserWarning)
            yield
    except ImageDecodeError:
        raise
    except UnidentifiedImageError as exc:
        raise NotAnImageError("not a recognised image format") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageDecodeError(f"decompression bomb refused: {exc}") from exc
    except MemoryError as exc:
        raise ImageDecodeError("image needs too much memory to decode") from exc
    except Exception as exc:
        # A codec may raise anything on hostile bytes (Pillow's AVIF decoder raises RuntimeError): that is
        # the file's fault. The same exception raised by Vigil's own code is a bug, and must stay one.
        if not isinstance(exc, OSError | EOFError) and raised_in_vigil(exc):
            raise
        raise ImageDecodeError(f"corrupt or truncated image: {_short(exc)}") from exc


def _open_checked(data: bytes, limits: ImageLimits) -> ImageFile.ImageFile:
    """Open (header only) and check the limits before any pixel is decoded."""
    if not data:
        raise ImageDecodeError("empty file")
    if len(data) > limits.max_bytes:
        raise ImageDecodeError(f"file too large to decode ({len(data)} bytes > {limits.max_bytes})")
    enable_extra_formats()
    _configure(limits)
    try:
        source = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        kind = image_signature(data[:16])
        if kind is None:
            raise
        # Plugins of ISO media formats (AVIF, HEIC) do not identify a truncated file at all.
        raise ImageDecodeError(
            f"corrupt or truncated image: {kind} signature, but no decoder can read it"
        ) from exc
    width, height = source.size
    if width < 1 or height < 1:
        raise ImageDecodeError(f"invalid dimensions {width}x{height}")
    if width * height > limits.max_pixels:
        raise ImageDecodeError(
            f"decompression bomb refused: {width}x{height} = {width * height} pixels "
            f"> limit {limits.max_pixels}"
        )
    return source


def _reduced(source: ImageFile.ImageFile, min_side: int, *, luma: bool, colour: bool = False) -> ReducedImage:
    width, height = source.size
    scale = 1
    if source.format == "JPEG":
        draft_scale = _draft_scale(width, height, min_side)
        if draft_scale > 1:
            mode = ("YCbCr" if colour and source.info.get("adobe_transform") != 0 else "L") if luma else "RGB"
            drafted = source.draft(mode, _draft_request(width, height, draft_scale))
            if drafted is not None:
                scale = round(width / drafted[1][2])
    source.load()
    transpose = _ORIENTATION.get(source.getexif().get(ExifTags.Base.Orientation, 1))
    im: Image.Image = source
    kept: Image.Image | None = None
    if colour and source.format == "JPEG" and im.mode == "YCbCr":
        kept, im = im, im.getchannel(0)
    factor = min(im.size) // min_side
    if factor >= 2:
        im, reduced_colour = _reduce(im, factor, luma=luma, colour=colour and kept is None)
        kept = reduced_colour if kept is None else kept
        scale *= factor
    if luma and scale > 1 and im.mode != "L":
        im = to_rgb(im).convert("L")
    if colour and kept is None:
        kept = source  # not reduced further: the decode itself (full size, or a JPEG draft)
    return ReducedImage(im, (width, height), scale, transpose, kept)


def _draft_scale(width: int, height: int, min_side: int) -> int:
    """The largest JPEG DCT scale (1/8, 1/4, 1/2) whose decode keeps the shorter side >= ``min_side``."""
    shorter = min(width, height)
    for scale in (8, 4, 2):
        if -(-shorter // scale) >= min_side:
            return scale
    return 1


def _draft_request(width: int, height: int, scale: int) -> tuple[int, int]:
    # draft() picks the largest DCT scale s <= min(width // w, height // h): flooring makes it ``scale``.
    return (max(1, width // scale), max(1, height // scale))


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__  # one line: codecs end theirs with newlines
    return text if len(text) <= 160 else text[:157] + "..."


def _reduce(
    im: Image.Image, factor: int, *, luma: bool, colour: bool = False
) -> tuple[Image.Image, Image.Image | None]:
    """Box-reduce by ``factor``, to the pixels that ``to_rgb`` (then ``L`` with ``luma``) gives, averaged;
    with ``colour``, also a colour version for previews.

    Modes whose conversion is per pixel and linear are reduced first; alpha is dropped beforehand, as
    ``to_rgb`` drops it (Pillow's reduce would premultiply it); other modes are converted first.
    """
    if im.mode in _REDUCE_FIRST:
        reduced = im.reduce(factor)
        return reduced, reduced if colour else None
    kept = _sampled(im, factor) if colour else None
    if im.mode in _ALPHA_DROPPED:
        im = im.convert("L" if luma else _ALPHA_DROPPED[im.mode])
    else:
        im = to_rgb(im)
        if luma:
            im = im.convert("L")
    return im.reduce(factor), kept


def _sampled(im: Image.Image, step: int) -> Image.Image:
    """One pixel in ``step`` x ``step``, in colour: enough for a preview (whose own filter smooths the
    sampling), and nearly free where a full-size conversion is not (RGBA to RGB of a 4K image costs
    more than the luma path of its decode)."""
    if step > 1:
        im = im.resize((-(-im.width // step), -(-im.height // step)), Image.Resampling.NEAREST)
    return to_rgb(im)


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
    """Whether some decoder recognises this file header, or it carries an image signature (used when
    the bytes were too big to keep)."""
    if image_signature(head[:16]) is not None:
        return True
    enable_extra_formats()
    try:
        with Image.open(io.BytesIO(head)):
            return True
    except Exception:
        return False
