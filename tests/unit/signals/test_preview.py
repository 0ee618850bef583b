"""Previews made from the decode that hashing pays for: they must never change a hash, must show the
picture upright and in colour, and must be a function of the content alone."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from tests.unit.signals.test_fast_mode import STORE
from vigil.demo.images import scene
from vigil.signals.content import HashOptions, hash_bytes
from vigil.signals.images import ImageLimits, decode_reduced
from vigil.signals.preview import PREVIEW_SIDE

WITH = HashOptions(dihedral=True, preview=PREVIEW_SIDE)
WITHOUT = HashOptions(dihedral=True)


def save(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def picture(size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    return scene(7, size)


def with_alpha(im: Image.Image) -> Image.Image:
    rgba = im.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(im.size))
    return rgba


def sixteen_bit(im: Image.Image) -> Image.Image:
    return Image.fromarray(np.asarray(im.convert("L"), dtype=np.uint16) * 257)


ENCODINGS: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg 4:2:0": lambda im: save(im, "JPEG", quality=90),
    "jpeg 4:4:4": lambda im: save(im, "JPEG", quality=90, subsampling=0),
    "jpeg grey": lambda im: save(im.convert("L"), "JPEG", quality=90),
    "jpeg cmyk": lambda im: save(im.convert("CMYK"), "JPEG", quality=90),
    "jpeg stored as rgb": lambda im: save(im, "JPEG", quality=90, keep_rgb=True),
    "jpeg progressive": lambda im: save(im, "JPEG", quality=90, progressive=True),
    "png rgb": lambda im: save(im, "PNG"),
    "png rgba": lambda im: save(with_alpha(im), "PNG"),
    "png la": lambda im: save(with_alpha(im).convert("LA"), "PNG"),
    "png palette": lambda im: save(im.convert("P", palette=Image.Palette.ADAPTIVE), "PNG"),
    "png 16-bit": lambda im: save(sixteen_bit(im), "PNG"),
    "webp": lambda im: save(im, "WEBP", quality=90),
    "small jpeg": lambda im: save(im.resize((300, 200)), "JPEG", quality=90),
    "small png rgba": lambda im: save(with_alpha(im.resize((300, 200))), "PNG"),
}


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("fast", [True, False])
def test_preview_changes_no_hash_and_fits(encoding: str, fast: bool) -> None:
    data = ENCODINGS[encoding](picture())
    plain = hash_bytes("x", data, HashOptions(dihedral=True, fast=fast))
    shown = hash_bytes("x", data, HashOptions(dihedral=True, fast=fast, preview=PREVIEW_SIDE))
    assert plain.error is None and plain.signals.get("pdq") is not None
    assert (shown.signals.get("pdq"), shown.signals.variants.get("pdq"), shown.signals.quality_of("pdq")) == (
        plain.signals.get("pdq"),
        plain.signals.variants.get("pdq"),
        plain.signals.quality_of("pdq"),
    )
    assert plain.preview is None
    assert shown.preview is not None
    with Image.open(io.BytesIO(shown.preview)) as im:
        assert im.format == "JPEG" and max(im.size) <= PREVIEW_SIDE
        source = Image.open(io.BytesIO(data)).size
        assert abs(im.width / im.height - source[0] / source[1]) < 0.05


def test_same_content_same_preview() -> None:
    data = ENCODINGS["jpeg 4:2:0"](picture())
    first = hash_bytes("a", data, WITH).preview
    assert first is not None and first == hash_bytes("b", data, WITH).preview


@pytest.mark.parametrize("encoding", ["jpeg 4:2:0", "png rgba", "png palette", "small jpeg"])
def test_preview_keeps_colour(encoding: str) -> None:
    red = Image.new("RGB", (1200, 900), (200, 30, 30))
    red.paste(picture((600, 450)).convert("L").convert("RGB"), (300, 225))  # some texture for PDQ quality
    preview = hash_bytes("x", ENCODINGS[encoding](red), WITH).preview
    assert preview is not None
    r, g, b = Image.open(io.BytesIO(preview)).convert("RGB").getpixel((3, 3))  # type: ignore[misc]
    assert r > 150 and g < 80 and b < 80, (r, g, b)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_preview_is_upright(orientation: int) -> None:
    upright = Image.new("RGB", (1600, 800), (20, 20, 20))
    upright.paste(picture((800, 800)), (0, 0))  # the picture on the left half, dark on the right
    transpose = STORE[orientation]
    stored = upright if transpose is None else upright.transpose(transpose)
    exif = Image.Exif()
    exif[0x0112] = orientation
    preview = hash_bytes("x", save(stored, "JPEG", quality=92, exif=exif), WITH).preview
    assert preview is not None
    im = Image.open(io.BytesIO(preview)).convert("L")
    assert im.size == (PREVIEW_SIDE, PREVIEW_SIDE // 2)
    left = np.asarray(im)[:, : im.width // 2].std()
    right = np.asarray(im)[:, im.width // 2 :].std()
    assert left > 4 * right, (left, right)


def test_flat_image_has_no_preview() -> None:
    flat = save(Image.new("RGB", (800, 600), (128, 128, 128)), "JPEG")
    signals = hash_bytes("x", flat, WITH)
    assert signals.signals.get("pdq") is not None and signals.preview is None  # never in a review queue


@pytest.mark.slow
def test_ycbcr_decode_gives_the_luma_decode() -> None:
    """The preview path decodes a JPEG as YCbCr: its Y plane must be exactly the luma decode's."""
    data = ENCODINGS["jpeg 4:2:0"](picture((3000, 2000)))
    grey = decode_reduced(data, ImageLimits(), 256, luma=True)
    both = decode_reduced(data, ImageLimits(), 256, luma=True, colour=True)
    assert grey.scale == both.scale > 1
    assert both.colour is not None and both.colour.mode == "YCbCr"
    assert np.array_equal(np.asarray(grey.image), np.asarray(both.image))
