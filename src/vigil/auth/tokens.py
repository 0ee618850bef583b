"""API token secrets: made from the system's CSPRNG, shown once, kept only as their SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

#: Tells a Vigil token apart in logs and secret scanners.
TOKEN_PREFIX: Final = "vigil_"  # noqa: S105 - a public marker, not a secret
#: 32 random bytes: 256 bits, so a plain SHA-256 of the token is as strong as any key-stretching.
TOKEN_BYTES: Final = 32
#: Characters of a token kept in clear to tell tokens apart ("vigil_" and 6 random characters).
SHOWN_PREFIX: Final = len(TOKEN_PREFIX) + 6
#: Longer values are refused before hashing: no token is this long.
MAX_TOKEN_LENGTH: Final = 200


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:SHOWN_PREFIX]


def same_digest(a: str, b: str) -> bool:
    """Constant-time comparison, so that response times tell nothing about a stored digest."""
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


def plausible(token: str) -> bool:
    """Cheap shape check before any database work (a random string is not worth a query)."""
    return token.startswith(TOKEN_PREFIX) and len(token) <= MAX_TOKEN_LENGTH and token.isascii()
