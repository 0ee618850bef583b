from __future__ import annotations

import base64

import pytest

from vigil.blocklists.export.rpz import RpzOptions, render_rpz
from vigil.blocklists.versions import ListVersion
from vigil.signing import (
    SignatureError,
    generate_private_key,
    key_id,
    parse_signature,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_to_pem,
    sign,
    verify,
)


def test_sign_and_verify_an_export(sample: ListVersion) -> None:
    private = generate_private_key()
    data = render_rpz(sample, RpzOptions(origin="rpz.vigil.test.")).encode()
    signature = sign(data, private)
    assert signature.startswith(f"vigil-ed25519 {key_id(private.public_key())} ")
    assert signature.endswith("\n") and signature.count("\n") == 1
    assert verify(data, signature, private.public_key()) == key_id(private.public_key())
    assert verify(data, signature.encode(), [generate_private_key().public_key(), private.public_key()])


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.replace(b"blocked.example", b"blocked.exampla"),
        lambda d: d[:-1],  # truncated
        lambda d: d + b"evil.example CNAME rpz-passthru.\n",
        lambda d: d.replace(b" 7 ", b" 8 ", 1),  # serial bumped
    ],
)
def test_tampering_is_detected(sample: ListVersion, tamper: object) -> None:
    private = generate_private_key()
    data = render_rpz(sample, RpzOptions(origin="rpz.vigil.test.")).encode()
    signature = sign(data, private)
    changed = tamper(data)  # type: ignore[operator]
    assert changed != data
    with pytest.raises(SignatureError, match="does not match"):
        verify(changed, signature, private.public_key())


def test_a_signature_by_another_key_is_refused() -> None:
    data = b"some export"
    signature = sign(data, generate_private_key())
    with pytest.raises(SignatureError, match="not among the trusted keys"):
        verify(data, signature, generate_private_key().public_key())


def test_a_forged_key_id_does_not_help() -> None:
    # Another key's signature relabelled with the trusted key's id still fails the check itself.
    trusted, other = generate_private_key(), generate_private_key()
    data = b"some export"
    _, raw = parse_signature(sign(data, other))
    forged = f"vigil-ed25519 {key_id(trusted.public_key())} {base64.b64encode(raw).decode()}\n"
    with pytest.raises(SignatureError, match="does not match"):
        verify(data, forged, trusted.public_key())


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "vigil-ed25519 abc",
        "minisign abc " + base64.b64encode(b"x" * 64).decode(),
        "vigil-ed25519 abc !!!not-base64!!!",
        "vigil-ed25519 abc " + base64.b64encode(b"x" * 63).decode(),
        "vigil-ed25519 abc é".encode(),
        b"\xff\xfe",
    ],
)
def test_malformed_signatures(signature: str | bytes) -> None:
    with pytest.raises(SignatureError):
        verify(b"data", signature, generate_private_key().public_key())


def test_keys_round_trip_through_pem() -> None:
    private = generate_private_key()
    data = b"an export"
    signature = sign(data, private)
    public = public_key_from_pem(public_key_to_pem(private.public_key()))
    assert verify(data, signature, public)
    again = private_key_from_pem(private_key_to_pem(private))
    assert verify(data, sign(data, again), public)
    pem = private_key_to_pem(private, password=b"correct horse")
    assert b"ENCRYPTED" in pem
    assert verify(data, sign(data, private_key_from_pem(pem, password=b"correct horse")), public)
    with pytest.raises(ValueError):
        private_key_from_pem(pem, password=b"wrong")


def test_non_ed25519_keys_are_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    private_pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(SignatureError):
        private_key_from_pem(private_pem)
    with pytest.raises(SignatureError):
        public_key_from_pem(public_pem)
