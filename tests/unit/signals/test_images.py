"""Safe decoding: every format and Pillow mode gives a PDQ close to the 8-bit RGB original."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.imagefiles import png_header_only
from vigil.demo.images import scene
from vigil.signals.content import HashOptions, hash_bytes
from vigil.signals.hexbits import hamming
from vigil.signals.images import ImageDecodeError, ImageLimits, NotAnImageError, open_image, to_rgb
from vigil.signals.pdq import pdq_from_rgb

EXACT = HashOptions(fast=False)


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    return scene(7, (480, 360))


@pytest.fixture(scope="module")
def reference_pdq(picture: Image.Image) -> str:
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    got = hash_bytes("ref.png", buf.getvalue(), EXACT)
    assert got.signals.get("pdq") is not None and got.signals.quality_of("pdq") == 100
    return got.signals.values["pdq"]


def encode(im: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fmt", "ext", "limit"),
    [
        ("JPEG", "jpg", 8),
        ("PNG", "png", 0),
        ("GIF", "gif", 16),
        ("WEBP", "webp", 8),
        ("BMP", "bmp", 0),
        ("TIFF", "tif", 0),
        ("HEIF", "heic", 12),
        ("AVIF", "avif", 12),
    ],
)
@pytest.mark.parametrize("fast", [False, True], ids=["exact", "fast"])
def test_formats(
    picture: Image.Image, reference_pdq: str, fmt: str, ext: str, limit: int, fast: bool
) -> None:
    data = encode(picture, fmt, **({"quality": 90} if fmt in {"JPEG", "WEBP", "HEIF", "AVIF"} else {}))
    got = hash_bytes(f"x.{ext}", data, HashOptions(fast=fast))
    assert got.error is None
    assert got.signals.get("pdq") is not None
    assert hamming(got.signals.values["pdq"], reference_pdq) <= limit + (4 if fast else 0)


def test_gif_first_frame_is_hashed(picture: Image.Image, reference_pdq: str) -> None:
    other = scene(99, picture.size)
    data = encode(picture.convert("P"), "GIF", save_all=True, append_images=[other.convert("P")])
    got = hash_bytes("anim.gif", data, EXACT)
    assert got.signals.values["pdq"] is not None and hamming(got.signals.values["pdq"], reference_pdq) <= 16


@pytest.mark.parametrize(
    "mode", ["1", "L", "LA", "P", "PA", "RGBA", "RGBX", "CMYK", "YCbCr", "LAB", "HSV", "I", "F"]
)
def test_modes(picture: Image.Image, mode: str) -> None:
    grey_ref = hash_bytes("g.png", encode(picture.convert("L"), "PNG"), EXACT).signals.get("pdq")
    colour_ref = hash_bytes("c.png", encode(picture, "PNG"), EXACT).signals.get("pdq")
    im = picture.convert("P").convert("PA") if mode == "PA" else picture.convert(mode)
    assert grey_ref and colour_ref
    # '1' is a dithered bilevel image: far from the original by nature, but still hashed.
    limit = 64 if mode == "1" else 24
    in_memory = pdq_from_rgb(np.asarray(to_rgb(im))).hex
    assert min(hamming(in_memory, grey_ref), hamming(in_memory, colour_ref)) <= limit, mode
    if mode in {"PA", "HSV"}:
        return  # Pillow writes these modes in no format; the in-memory conversion above covers them
    fmt = "TIFF" if mode in {"CMYK", "YCbCr", "LAB", "I", "F", "RGBX"} else "PNG"
    got = hash_bytes(f"m.{fmt.lower()}", encode(im, fmt), EXACT)
    assert got.error is None, got.error
    assert got.signals.get("pdq") is not None
    assert (
        min(hamming(got.signals.values["pdq"], grey_ref), hamming(got.signals.values["pdq"], colour_ref))
        <= limit
    ), mode


def test_sixteen_bit_greyscale_scaled_not_clipped(picture: Image.Image) -> None:
    grey8 = np.asarray(picture.convert("L"), dtype=np.uint16)
    im16 = Image.fromarray(grey8 * 257)
    assert im16.mode.startswith("I")
    ref = hash_bytes("g.png", encode(picture.convert("L"), "PNG"), EXACT).signals.get("pdq")
    got = hash_bytes("g16.png", encode(im16, "PNG"), EXACT)
    assert got.error is None and got.signals.get("pdq") is not None and ref is not None
    assert (
        hamming(got.signals.values["pdq"], ref) <= 4
    )  # a clipped image would be all white: quality 0, far away


def test_float_image_in_unit_range(picture: Image.Image) -> None:
    grey = np.asarray(picture.convert("L"), dtype=np.float32) / 255.0
    ref = hash_bytes("g.png", encode(picture.convert("L"), "PNG"), EXACT).signals.get("pdq")
    got = hash_bytes("f.tif", encode(Image.fromarray(grey, "F"), "TIFF"), EXACT)
    assert (
        got.signals.values["pdq"] is not None
        and ref is not None
        and hamming(got.signals.values["pdq"], ref) <= 4
    )


def test_decompression_bomb_refused_before_decoding() -> None:
    with pytest.raises(ImageDecodeError, match="decompression bomb"):
        open_image(png_header_only(100_000, 100_000), ImageLimits())


def test_pixel_limit_comes_from_settings(picture: Image.Image) -> None:
    data = encode(picture, "PNG")
    with pytest.raises(ImageDecodeError, match="decompression bomb"):
        open_image(data, ImageLimits(max_pixels=480 * 360 - 1))
    assert open_image(data, ImageLimits(max_pixels=480 * 360)).size == (480, 360)


def test_byte_limit(picture: Image.Image) -> None:
    data = encode(picture, "PNG")
    with pytest.raises(ImageDecodeError, match="too large"):
        open_image(data, ImageLimits(max_bytes=len(data) - 1))


def test_truncated_jpeg(picture: Image.Image) -> None:
    data = encode(picture, "JPEG")
    with pytest.raises(ImageDecodeError, match=r"truncated|corrupt"):
        open_image(data[: len(data) // 2], ImageLimits())


def test_not_an_image() -> None:
    with pytest.raises(NotAnImageError):
        open_image(b"just some text\n" * 10, ImageLimits())
    with pytest.raises(ImageDecodeError, match="empty"):
        open_image(b"", ImageLimits())


@pytest.mark.slow
def test_fast_mode_reduces_large_images() -> None:
    big = scene(3, (2400, 1800))
    for fmt in ("JPEG", "PNG"):
        data = encode(big, fmt)
        reduced = open_image(data, ImageLimits(), min_side=300)
        full = open_image(data, ImageLimits())
        assert full.size == (2400, 1800)
        assert 300 <= min(reduced.size) < 1800, fmt
        fast = hash_bytes(f"b.{fmt.lower()}", data, HashOptions(fast=True)).signals.get("pdq")
        exact = hash_bytes(f"b.{fmt.lower()}", data, EXACT).signals.get("pdq")
        assert fast and exact and hamming(fast, exact) <= 10
