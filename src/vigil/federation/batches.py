"""The signed batch: a feed page's body in canonical JSON and a detached Ed25519 signature over it.

Canonical JSON (sorted keys, no spaces, UTF-8) is what is signed, so the body can be re-encoded by any
JSON library on the way without breaking the signature. The body names everything a replay would change:
the instance, the list, the cursor asked for, the audience (the puller's instance id) and the puller's
nonce; a puller checks them all against its request (``pull.py``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from vigil import signing
from vigil.config import Settings
from vigil.errors import Invalid, Unavailable

#: The feed protocol this code speaks; a batch of another protocol is refused, not guessed at.
PROTOCOL: Final = 1

#: The provenance format of what a pull applies: how a peer's votes are told from other votes of its
#: contributor (peer_votes.py).
FEED_FORMAT: Final = "vigil-feed"


class BatchError(Invalid):
    """A batch that is not signed by a trusted key, or does not answer the request it claims to."""


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def seal(body: dict[str, Any], key: Any) -> dict[str, Any]:
    """{"body": body, "signature": "vigil-ed25519 <key id> <base64>"}"""
    return {"body": body, "signature": signing.sign(canonical(body), key).strip()}


def open_batch(batch: Any, trusted: list[Ed25519PublicKey]) -> tuple[dict[str, Any], str, str]:
    """(body, signing key id, SHA-256 of the canonical body) of a batch signed by a trusted key."""
    if not isinstance(batch, dict) or not isinstance(batch.get("body"), dict):
        raise BatchError("not a signed batch (no body)")
    signature = batch.get("signature")
    if not isinstance(signature, str):
        raise BatchError("not a signed batch (no signature)")
    data = canonical(batch["body"])
    try:
        key_id = signing.verify(data, signature, trusted)
    except signing.SignatureError as exc:
        raise BatchError(f"batch signature refused: {exc}") from None
    return batch["body"], key_id, hashlib.sha256(data).hexdigest()


class FederationOffError(Unavailable):
    """VIGIL_FEDERATION_INSTANCE is not set: this instance neither serves a feed nor pulls."""


def instance_name(settings: Settings) -> str:
    """This instance's name in the federation; :class:`FederationOffError` when it has none."""
    if not settings.federation_instance:
        raise FederationOffError("federation is off: set VIGIL_FEDERATION_INSTANCE")
    return settings.federation_instance
