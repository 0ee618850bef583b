"""The PSI's group operations (libsodium's Ristretto255): blinding commutes, sets are kept apart, and
what is not a point of the group is refused."""

from __future__ import annotations

import pytest

from vigil.federation.psi import POINT_BYTES, TAG_BYTES, Blinder, PsiError, hash_to_point, split, tag


def test_blinding_commutes_only_for_equal_values() -> None:
    a, b = Blinder(), Blinder()
    ours = ["aa", "bb", "cc"]
    theirs = ["bb", "dd"]
    ab = [tag(p) for p in b.reblind(a.blind_values("md5", ours))]
    ba = [tag(p) for p in a.reblind(b.blind_values("md5", theirs))]
    assert len(ab[0]) == TAG_BYTES
    assert [v for v, t in zip(ours, ab, strict=True) if t in set(ba)] == ["bb"]


def test_each_session_and_set_blinds_differently() -> None:
    first, second = Blinder(), Blinder()
    assert first.scalar != second.scalar
    assert first.blind_values("md5", ["aa"]) != second.blind_values("md5", ["aa"])
    # The same text in two sets is two different points: an MD5 never meets a series name.
    assert hash_to_point("md5", "aa") != hash_to_point("series", "aa")


def test_what_is_not_a_point_is_refused() -> None:
    blinder = Blinder()
    with pytest.raises(PsiError, match="valid Ristretto255"):
        blinder.reblind(b"\xff" * POINT_BYTES)
    with pytest.raises(PsiError, match="valid Ristretto255"):
        blinder.reblind(b"\x00" * POINT_BYTES)  # the identity
    with pytest.raises(PsiError, match="whole number"):
        split(b"\x01" * 33, POINT_BYTES)
    with pytest.raises(ValueError, match="32 bytes"):
        Blinder(b"short")
