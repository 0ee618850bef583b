"""The Signals value: its flat JSON form (the one ``vigil hash``, scan reports and the API write) and a
plugin's digest as one more key."""

from __future__ import annotations

import hashlib
import pickle

import pytest

from tests.imagefiles import encoded
from vigil.signals.content import HashOptions, HashResult, hash_bytes
from vigil.signals.values import Signals

PDQ = "ab" * 32
VARIANTS = tuple(f"{n:02x}" * 32 for n in range(8))


def test_json_keys_are_those_vigil_hash_has_always_written() -> None:
    signals = Signals(
        10, {"md5": "m", "sha1": "s1", "sha256": "s2", "pdq": PDQ}, {"pdq": 90}, {"pdq": VARIANTS}
    )
    assert signals.to_json() == {
        "size": 10, "md5": "m", "sha1": "s1", "sha256": "s2", "pdq": PDQ, "pdq_quality": 90,
        "vpdq": None, "vpdq_quality": None,
    }  # fmt: skip
    # A video's vPDQ has no rotations: only images' types get <name>_dihedral.
    assert list(signals.to_json(variants=True)) == [
        "size", "md5", "sha1", "sha256", "pdq", "pdq_quality", "vpdq", "vpdq_quality", "pdq_dihedral",
    ]  # fmt: skip
    assert Signals().to_json(variants=True) == dict.fromkeys(
        ["size", "md5", "sha1", "sha256", "pdq", "pdq_quality", "vpdq", "vpdq_quality", "pdq_dihedral"]
    )
    result = HashResult("a.jpg", signals, error="x")
    assert list(result.as_dict()) == [
        "path", "size", "md5", "sha1", "sha256", "pdq", "pdq_quality", "vpdq", "vpdq_quality", "error",
    ]  # fmt: skip
    assert result.as_dict(dihedral=True)["pdq_dihedral"] == list(VARIANTS)


def test_round_trip_and_pickling() -> None:
    hashed = hash_bytes("scene.jpg", encoded("JPEG"), HashOptions(dihedral=True)).signals
    assert hashed.get("pdq") and hashed.quality_of("pdq") is not None
    assert Signals.from_json(hashed.to_json(variants=True)) == hashed
    assert pickle.loads(pickle.dumps(hashed)) == hashed
    # Without the variants, the image is searched by its one PDQ.
    assert Signals.from_json(hashed.to_json()).queries("pdq") == (hashed.values["pdq"],)
    assert not Signals() and Signals.from_json({"md5": None, "pdq": None}) == Signals()


def test_queries_use_the_variants_only_when_asked() -> None:
    image = Signals(values={"pdq": PDQ}, variants={"pdq": VARIANTS})
    assert image.queries("pdq") == VARIANTS
    assert image.queries("pdq", dihedral=False) == (PDQ,)
    assert image.queries("md5") == ()


@pytest.mark.usefixtures("with_sha512")
def test_a_plugin_digest_is_one_more_key() -> None:
    data = b"benign bytes\n" * 50
    hashed = hash_bytes("a.bin", data).signals
    digest = hashlib.sha512(data).hexdigest()
    assert hashed.get("sha512") == digest
    out = hashed.to_json(variants=True)
    assert list(out) == [
        "size", "md5", "sha1", "sha256", "pdq", "pdq_quality", "vpdq", "vpdq_quality", "sha512",
        "pdq_dihedral",
    ]  # fmt: skip
    assert Signals.from_json(out) == hashed
    # Written only when computed; an older checkpoint's "extra" mapping still reads.
    assert "sha512" not in Signals().to_json()
    assert Signals.from_json({"size": 1, "extra": {"sha512": digest}}).get("sha512") == digest
