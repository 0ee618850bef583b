"""Fast mode computes the full-resolution PDQ grid from a reduced decode: it must stay within PDQ's
10-bit tolerance of --exact for every EXIF orientation, every dihedral variant and the reducible formats."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from vigil.demo.images import scene
from vigil.signals.content import HashOptions, hash_bytes
from vigil.signals.hexbits import hamming

pytestmark = pytest.mark.slow

T = Image.Transpose
#: EXIF orientation → the transposition that stores an upright picture so that applying the tag
#: (ImageOps.exif_transpose) gives it back.
STORE = {
    1: None,
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_90,
    7: T.TRANSVERSE,
    8: T.ROTATE_270,
}


@pytest.fixture(scope="module")
def upright() -> Image.Image:
    return scene(42, (1600, 1200))


def encoded(im: Image.Image, fmt: str, orientation: int = 1) -> bytes:
    stored = im if STORE[orientation] is None else im.transpose(STORE[orientation])  # type: ignore[arg-type]
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    stored.save(buf, fmt, exif=exif, **({"quality": 92} if fmt in ("JPEG", "WEBP") else {}))
    return buf.getvalue()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_fast_close_to_exact(upright: Image.Image, orientation: int) -> None:
    data = encoded(upright, "JPEG", orientation)
    exact = hash_bytes("o.jpg", data, HashOptions(fast=False, dihedral=True))
    fast = hash_bytes("o.jpg", data, HashOptions(fast=True, dihedral=True))
    assert (
        exact.signals.get("pdq")
        and fast.signals.get("pdq")
        and exact.signals.variants.get("pdq")
        and fast.signals.variants.get("pdq")
    )
    assert hamming(fast.signals.values["pdq"], exact.signals.values["pdq"]) <= 10
    for k in range(8):
        assert hamming(fast.signals.variants["pdq"][k], exact.signals.variants["pdq"][k]) <= 10, k
    reference = hash_bytes("u.png", encoded(upright, "PNG"), HashOptions(fast=False)).signals.get("pdq")
    assert reference is not None
    assert (
        hamming(exact.signals.values["pdq"], reference) <= 10
    )  # the tag was applied: same picture as the upright one


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_reduced_formats_fast_close_to_exact(upright: Image.Image, fmt: str) -> None:
    data = encoded(upright, fmt)
    exact = hash_bytes(f"f.{fmt.lower()}", data, HashOptions(fast=False)).signals.get("pdq")
    fast = hash_bytes(f"f.{fmt.lower()}", data, HashOptions(fast=True)).signals.get("pdq")
    assert exact and fast and hamming(fast, exact) <= 10
