"""Console passwords: argon2id (RFC 9106), parameters and salt kept in the stored PHC string."""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from vigil.errors import Invalid

MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 1024

#: argon2-cffi's defaults are RFC 9106's second recommendation (argon2id, 64 MiB, t=3, p=4).
_HASHER: Final = PasswordHasher()
#: Checked when the user is unknown, so that the answer takes as long as for a known user.
_DUMMY: Final = _HASHER.hash("vigil: no such user, same work")


class PasswordPolicyError(Invalid):
    pass


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"a password has at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    check_policy(password)
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
