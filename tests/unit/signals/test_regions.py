"""The crop-resistant ``pdq_regions`` signal: geometry, hashing, its registry entry and its index."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from vigil.demo.images import scene
from vigil.index import RegionIndex, load_index
from vigil.signals import registry
from vigil.signals.base import InvalidSignalError
from vigil.signals.content import HashOptions, hash_bytes
from vigil.signals.images import ImageLimits
from vigil.signals.regions import (
    HEX,
    JITTERED,
    KNOWN_REGIONS,
    MIN_REGION_QUALITY,
    PDQ_REGIONS,
    QUERY_KNOWN,
    QUERY_REGIONS,
    STABLE_BITS,
    ZERO,
    _stable,
    region_buffers,
    regions_from_bytes,
    regions_from_luma,
    split,
)
from vigil.signals.values import Signals


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _crop(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = image.size
    return image.crop((round(left * w), round(top * h), round(w - right * w), round(h - bottom * h)))


def _pad(image: Image.Image, share: float) -> Image.Image:
    w, h = image.size
    out = Image.new("RGB", (round(w * (1 + 2 * share)), round(h * (1 + 2 * share))), (0, 0, 0))
    out.paste(image, (round(w * share), round(h * share)))
    return out


@pytest.fixture(scope="module")
def pictures() -> list[Image.Image]:
    return [scene(seed, (640, 480)) for seed in range(12)]


def test_query_regions_stand_for_known_regions_inside_the_picture() -> None:
    assert len(QUERY_REGIONS) == len(QUERY_KNOWN)
    assert set(QUERY_KNOWN) == set(range(len(KNOWN_REGIONS)))
    for x0, y0, x1, y1 in QUERY_REGIONS:
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    # the identity hypothesis: every known region is also a query region standing for itself
    for k, rect in enumerate(KNOWN_REGIONS):
        assert any(QUERY_KNOWN[i] == k and r == rect for i, r in enumerate(QUERY_REGIONS))


def test_cell_means_are_area_averages() -> None:
    luma = np.arange(12 * 8, dtype=np.float32).reshape(8, 12)
    whole = region_buffers(luma, ((0.0, 0.0, 1.0, 1.0),))
    assert whole.shape == (1, 64, 64)
    assert float(whole.mean()) == pytest.approx(float(luma.mean()), rel=1e-5)
    # a region of one pixel: every cell is that pixel
    pixel = region_buffers(luma, ((3 / 12, 2 / 8, 4 / 12, 3 / 8),))
    assert np.allclose(pixel, luma[2, 3])


def test_flat_regions_are_zeros_and_never_match() -> None:
    flat = regions_from_luma(np.full((300, 400), 128, dtype=np.float32))
    assert split(flat.value) == [ZERO] * len(KNOWN_REGIONS)
    index = RegionIndex.build([flat.value])
    assert index.query_many([flat.value, flat.query]) == [[], []]


def test_signal_type_is_registered_and_checks_values(pictures: list[Image.Image]) -> None:
    assert registry.signal_types()["pdq_regions"] is PDQ_REGIONS
    assert "pdq_regions" in registry.indexed_types() and "pdq_regions" not in registry.exact_types()
    value = regions_from_bytes(_jpeg(pictures[0]), ImageLimits()).value
    assert len(value) == HEX * len(KNOWN_REGIONS)
    assert PDQ_REGIONS.normalize(value.upper()) == value
    assert PDQ_REGIONS.distance(value, value) == 0
    for bad in ("", "ab", value[:-1], "g" * len(value), value[:-2] + " 1"):
        with pytest.raises(InvalidSignalError):
            PDQ_REGIONS.normalize(bad)


def test_hash_computes_regions_only_when_asked(pictures: list[Image.Image]) -> None:
    data = _jpeg(pictures[1])
    plain = hash_bytes("a.jpg", data, HashOptions())
    assert "pdq_regions" not in plain.signals.values
    assert "pdq_regions" not in plain.signals.to_json()
    both = hash_bytes("a.jpg", data, HashOptions(regions=True))
    assert both.signals.values["pdq"] == plain.signals.values["pdq"]
    (query,) = both.signals.queries("pdq_regions")
    assert len(query) == HEX * len(QUERY_REGIONS)
    exact = hash_bytes("a.jpg", data, HashOptions(regions=True, fast=False))
    assert PDQ_REGIONS.distance(exact.signals.values["pdq_regions"], both.signals.values["pdq_regions"]) <= 8
    again = Signals.from_json(both.signals.to_json())
    assert again.values["pdq_regions"] == both.signals.values["pdq_regions"]


@pytest.mark.parametrize(
    ("name", "edit", "least"),
    [
        ("crop 5 %", lambda im: _crop(im, 0.05, 0.05, 0.05, 0.05), 10),
        ("crop 10 %", lambda im: _crop(im, 0.1, 0.1, 0.1, 0.1), 10),
        ("crop 20 %", lambda im: _crop(im, 0.2, 0.2, 0.2, 0.2), 4),
        ("left 10 %", lambda im: _crop(im, 0.1, 0, 0, 0), 10),
        ("bottom 25 %", lambda im: _crop(im, 0, 0, 0, 0.25), 4),
        ("border 10 %", lambda im: _pad(im, 0.1), 10),
        ("crop 15 %, half size", lambda im: _crop(im, 0.15, 0.15, 0.15, 0.15).resize((320, 240)), 6),
    ],
)
def test_index_finds_reframed_copies_and_only_them(
    pictures: list[Image.Image], name: str, edit: object, least: int, tmp_path: Path
) -> None:
    limits = ImageLimits()
    values = [regions_from_bytes(_jpeg(p), limits).value for p in pictures]
    ids = np.arange(100, 100 + len(values))
    index = RegionIndex.build(values, ids)
    assert len(index) == len(values)
    queries = [regions_from_bytes(_jpeg(edit(p), 70), limits).query for p in pictures]  # type: ignore[operator]
    answers = index.query_many(queries)
    found = sum(1 for n, a in enumerate(answers) if a and a[0].id == 100 + n)
    wrong = sum(1 for n, a in enumerate(answers) for m in a if m.id != 100 + n)
    assert found >= least, (name, found)
    assert wrong == 0, name
    index.save(tmp_path / "r.vidx")
    loaded = load_index(tmp_path / "r.vidx")
    assert isinstance(loaded, RegionIndex) and loaded.query_many(queries) == answers


def test_index_updates(pictures: list[Image.Image]) -> None:
    limits = ImageLimits()
    values = [regions_from_bytes(_jpeg(p), limits).value for p in pictures[:4]]
    index = RegionIndex.build(values[:2], [1, 2])
    index.add(values[2:], [3, 4])
    assert len(index) == 4
    assert [a[0].id for a in index.query_many(values)] == [1, 2, 3, 4]
    assert index.remove([2]) >= 1
    assert len(index) == 3 and index.query_many([values[1]]) == [[]]
    index.compact()
    assert [m.id for m in index.query(values[3])] == [4]
    assert index.query(values[0], threshold=0)[0].distance == 0


def _smooth(height: int, width: int) -> npt.NDArray[np.float32]:
    """A gentle gradient with soft waves: real structure, yet every neighbour difference under 1 %."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    waves = 8 * np.sin(x / 97.0) * np.cos(y / 71.0) + 6 * np.sin((x + 2 * y) / 150.0)
    out: npt.NDArray[np.float32] = (100 + 30 * (x / width) + waves).astype(np.float32)
    return out


def test_smooth_low_quality_pictures_keep_stable_regions_and_survive_a_crop() -> None:
    luma = _smooth(600, 800)
    known = regions_from_luma(luma)
    # PDQ's metric calls it flat; the regions are hashed all the same, being stable and not flat.
    assert known.quality < MIN_REGION_QUALITY
    assert all(r != ZERO for r in split(known.value))
    cropped = regions_from_luma(np.ascontiguousarray(luma[30:570, 40:760]))
    index = RegionIndex.build([known.value], [7])
    assert [m.id for m in index.query_many([cropped.query])[0]] == [7]


def test_unstable_regions_are_not_stored() -> None:
    bits = np.zeros((len(KNOWN_REGIONS), 32), dtype=np.uint8)
    jittered = np.zeros((len(JITTERED), 32), dtype=np.uint8)
    jittered[1, : (STABLE_BITS + 8) // 8] = 0xFF  # the whole region, grown: too many bits flip
    assert _stable(bits, jittered).tolist() == [False] + [True] * (len(KNOWN_REGIONS) - 1)
    assert len(JITTERED) == 2 * len(KNOWN_REGIONS)
