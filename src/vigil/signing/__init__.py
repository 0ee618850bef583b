"""Ed25519 detached signatures and the key file they are made with.

Neutral ground: blocklist exports, hotline notices, forwards and the report receipts all sign with the
same key and the same signature line, so neither the blocklists nor the hotline own it.
"""

from vigil.signing.ed25519 import (
    SIGNATURE_BYTES,
    SIGNATURE_TAG,
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

__all__ = [
    "SIGNATURE_BYTES",
    "SIGNATURE_TAG",
    "SignatureError",
    "generate_private_key",
    "key_id",
    "parse_signature",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_pem",
    "public_key_to_pem",
    "sign",
    "verify",
]
