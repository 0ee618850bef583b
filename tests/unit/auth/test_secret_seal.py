"""Sealed TOTP secrets: they open with the same key and row only; a legacy clear value passes as it is."""

from __future__ import annotations

import secrets

import pytest

from vigil.auth.secret_seal import SealError, SecretSeal, is_sealed

KEY = bytes(range(32))


def test_sealed_secret_opens_only_with_its_key_and_row() -> None:
    seal = SecretSeal(KEY)
    sealed = seal.seal("JBSWY3DPEHPK3PXP", "user:7")
    assert is_sealed(sealed) and "JBSWY3DPEHPK3PXP" not in sealed and len(sealed) <= 255
    assert seal.open(sealed, "user:7") == "JBSWY3DPEHPK3PXP"
    assert seal.seal("JBSWY3DPEHPK3PXP", "user:7") != sealed  # a fresh nonce each time
    with pytest.raises(SealError, match="another user"):
        seal.open(sealed, "user:8")
    with pytest.raises(SealError, match="sealed with key"):
        SecretSeal(secrets.token_bytes(32)).open(sealed, "user:7")
    tampered = sealed[:-6] + ("AAAA" if sealed[-6:-2] != "AAAA" else "BBBB") + sealed[-2:]
    with pytest.raises(SealError):
        seal.open(tampered, "user:7")
    assert seal.open("JBSWY3DPEHPK3PXP", "user:7") == "JBSWY3DPEHPK3PXP"  # stored before sealing
    with pytest.raises(ValueError, match="32 bytes"):
        SecretSeal(b"short")
