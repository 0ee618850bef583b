"""TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1: what every authenticator app reads), with the
step of each accepted code remembered so that a code works once."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Final

import pyotp
import segno

#: Steps either side of now accepted (clock drift of the phone).
DRIFT: Final = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, drawn here: the secret never leaves the server to a QR service."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", title="TOTP enrolment")
    return str(svg)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to when it is valid and newer than ``last_step``, else None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT, current + DRIFT + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator shows at ``when`` (tests and the demo)."""
    return pyotp.TOTP(secret).at(when)
