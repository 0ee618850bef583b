"""Vigil's PDQ against Meta's reference outputs (shared/conformance/pdq, see its README)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from vigil.signals.content import HashOptions, hash_file
from vigil.signals.hexbits import hamming
from vigil.signals.pdq import PDQ, pdq_dihedral_from_rgb, pdq_from_rgb

TOLERANCE = 10  # PDQ's own tolerance between correct implementations through different decoders


def reference(conf: Path) -> list[tuple[str, Path]]:
    with (conf / "expected-reference-cpp.csv").open(newline="") as f:
        return [(row[0], conf / row[1]) for row in csv.reader(f) if row]


def raw_pixels(path: Path) -> npt.NDArray[np.uint8]:
    """Pixels as the reference tool sees them: full decode, no EXIF orientation."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_reference_list_is_complete(pdq_conformance: Path) -> None:
    rows = reference(pdq_conformance)
    assert len(rows) == 20
    assert all(p.is_file() for _, p in rows)


@pytest.mark.slow
def test_unoriented_hash_within_tolerance_of_reference(pdq_conformance: Path) -> None:
    checked = 0
    for expected, path in reference(pdq_conformance):
        got = pdq_from_rgb(raw_pixels(path))
        if got.quality < 80:
            continue
        checked += 1
        assert hamming(got.hex, expected) <= TOLERANCE, path.name
    assert checked >= 18


@pytest.mark.slow
@pytest.mark.parametrize("fast", [False, True], ids=["exact", "fast"])
def test_file_hash_within_tolerance_of_reference(pdq_conformance: Path, fast: bool) -> None:
    """Through the whole pipeline (safe decode, EXIF applied, fast or exact decode)."""
    for expected, path in reference(pdq_conformance):
        if "exif-rotn" in str(path):
            continue  # the reference ignores EXIF orientation; see the dihedral test below
        got = hash_file(str(path), HashOptions(fast=fast))
        assert got.error is None
        assert got.signals.get("pdq") is not None and got.signals.quality_of("pdq") is not None
        if got.signals.quality["pdq"] >= 80:
            assert hamming(got.signals.values["pdq"], expected) <= TOLERANCE, path.name


@pytest.mark.slow
def test_exact_mode_gives_identical_hash_for_identical_pixels(pdq_conformance: Path) -> None:
    for _, path in reference(pdq_conformance):
        if "exif-rotn" in str(path):
            continue
        assert (
            hash_file(str(path), HashOptions(fast=False)).signals.get("pdq")
            == pdq_from_rgb(raw_pixels(path)).hex
        )


@pytest.mark.slow
@pytest.mark.parametrize("fast", [False, True], ids=["exact", "fast"])
def test_exif_oriented_photos_match_some_dihedral_variant(pdq_conformance: Path, fast: bool) -> None:
    rows = [(h, p) for h, p in reference(pdq_conformance) if "exif-rotn" in str(p)]
    assert len(rows) == 4
    for expected, path in rows:
        got = hash_file(str(path), HashOptions(fast=fast, dihedral=True))
        assert got.signals.variants["pdq"] is not None and len(got.signals.variants["pdq"]) == 8
        assert min(hamming(h, expected) for h in got.signals.variants["pdq"]) <= TOLERANCE, path.name


@pytest.mark.slow
def test_exif_orientation_is_applied(pdq_conformance: Path) -> None:
    """The hash is of the upright image: a rotation of the stored pixels, not the pixels as stored."""
    folder = pdq_conformance / "reg-test-input" / "exif-rotn"
    for n in (1, 3, 6, 8):
        path = folder / f"exif-rotn-{n}.jpg"
        oriented = hash_file(str(path), HashOptions(fast=False)).signals.get("pdq")
        assert oriented is not None
        stored = pdq_dihedral_from_rgb(raw_pixels(path))
        if n == 1:
            assert oriented == stored.hashes[0]
        else:
            assert hamming(oriented, stored.hashes[0]) > PDQ.default_threshold
            assert min(hamming(oriented, h) for h in stored.hashes[1:]) <= TOLERANCE


def test_dihedral_variants_match_rotated_files(pdq_conformance: Path) -> None:
    ref = dict((p.name, h) for h, p in reference(pdq_conformance))
    dih = pdq_conformance / "reg-test-input" / "dih"
    files = sorted(p.name for p in dih.iterdir())
    assert len(files) == 8 and files[0] == "bridge-1-original.jpg"
    variants = pdq_dihedral_from_rgb(raw_pixels(dih / files[0]))
    for k, name in enumerate(files):
        assert hamming(variants.hashes[k], ref[name]) <= TOLERANCE, (k, name)
    # And through the file pipeline, in both modes.
    for fast in (False, True):
        got = hash_file(str(dih / files[0]), HashOptions(fast=fast, dihedral=True))
        assert got.signals.variants.get("pdq") is not None
        for k, name in enumerate(files):
            assert hamming(got.signals.variants["pdq"][k], ref[name]) <= TOLERANCE + 2, (fast, k, name)


def test_bridge_edits_stay_matchable(pdq_conformance: Path) -> None:
    folder = pdq_conformance / "bridge-mods"
    original = hash_file(str(folder / "aaa-orig.jpg"))
    assert original.signals.get("pdq")
    for path in sorted(folder.iterdir()):
        got = hash_file(str(path))
        assert got.signals.get("pdq") is not None, path.name
        assert hamming(got.signals.values["pdq"], original.signals.values["pdq"]) <= PDQ.default_threshold, (
            path.name
        )


@pytest.mark.parametrize(("name", "count"), [("haystack.txt", 1350), ("needles.txt", 100)])
def test_query_lists_parse_as_pdq_signals(pdq_conformance: Path, name: str, count: int) -> None:
    lines = [line for line in (pdq_conformance / name).read_text().splitlines() if line.strip()]
    assert len(lines) == count
    parsed = [PDQ.normalize(line.split(",")[0]) for line in lines]
    assert all(len(h) == 64 for h in parsed)
