"""Checking a notice as its recipient received it: an e-mail (the raw message, as the mail server
delivered it) or a webhook (the request body, and its ``X-Vigil-Signature`` header).

The signature covers the notice's text in canonical form (:func:`vigil.hotline.notices.canonical_body`),
so the check decodes the message's text part (quoted-printable, base64, the charset) and canonicalises
it; whatever transport did to line endings or trailing spaces does not matter, while any change to the
text's content does. docs/hotline.md shows the same check with openssl or a few lines of Python.
"""

from __future__ import annotations

import binascii
import email
import email.policy
import json
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from vigil import signing
from vigil.errors import Invalid
from vigil.hotline.notices import SIGNATURE_HEADER, canonical_body


class NoticeError(Invalid):
    """The input is not a notice this check can read (no text part, no signature, malformed JSON)."""


@dataclass(frozen=True)
class VerifiedNotice:
    key_id: str
    #: ``email`` or ``webhook``.
    channel: str
    #: The case reference (``VIGIL-<id>``) the notice names, when it names one.
    reference: str | None
    subject: str | None


def _text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise NoticeError("the message has no text/plain part")
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, binascii.Error) as exc:
        raise NoticeError(f"the text part cannot be decoded: {exc}") from None
    if not isinstance(content, str):
        raise NoticeError("the text part is not text")
    return content


def _one_header(message: EmailMessage, name: str) -> str:
    values = message.get_all(name) or []
    if len(values) != 1:
        # A second signature header is what a forger would add in front of a real one.
        raise NoticeError(f"the message has {len(values)} {name} headers, not one")
    return str(values[0])


def _reference(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("Reference: "):
            return line.removeprefix("Reference: ").strip()
    return None


def verify_email(raw: bytes, keys: Ed25519PublicKey | Iterable[Ed25519PublicKey]) -> VerifiedNotice:
    """Check an e-mail notice exactly as received (the RFC 5322 bytes, CRLF or LF line endings).

    Raises :class:`NoticeError` when it is not a readable notice, and
    :class:`~vigil.signing.SignatureError` when its signature does not verify.
    """
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise NoticeError("not an e-mail message")
    header = _one_header(message, SIGNATURE_HEADER)
    text = _text_part(message)
    key_id = signing.verify(canonical_body(text), header, keys)
    subject = message["Subject"]
    return VerifiedNotice(key_id, "email", _reference(text), str(subject) if subject else None)


def verify_webhook(
    body: bytes,
    keys: Ed25519PublicKey | Iterable[Ed25519PublicKey],
    header: str | None = None,
) -> VerifiedNotice:
    """Check a webhook notice: the request ``body`` against its ``X-Vigil-Signature`` ``header`` (the
    exact bytes, when the header is given), and the notice text in it against its own signature."""
    trusted = [keys] if isinstance(keys, Ed25519PublicKey) else list(keys)
    if header is not None:
        signing.verify(body, header, trusted)
    try:
        payload: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NoticeError(f"not a JSON webhook body: {exc}") from None
    if not isinstance(payload, dict):
        raise NoticeError("the webhook body is not a JSON object")
    text, signature = payload.get("body"), payload.get("signature")
    if not isinstance(text, str) or not isinstance(signature, str):
        raise NoticeError("the webhook body has no notice text and signature (body, signature)")
    key_id = signing.verify(canonical_body(text), signature, trusted)
    reference = payload.get("reference")
    subject = payload.get("subject")
    return VerifiedNotice(
        key_id,
        "webhook",
        reference if isinstance(reference, str) else _reference(text),
        subject if isinstance(subject, str) else None,
    )


def verify_notice(
    data: bytes,
    keys: Ed25519PublicKey | Iterable[Ed25519PublicKey],
    header: str | None = None,
) -> VerifiedNotice:
    """An e-mail or a webhook body, told apart by the first character (a JSON object opens with ``{``)."""
    if data.lstrip()[:1] == b"{":
        return verify_webhook(data, keys, header)
    if header is not None:
        raise NoticeError("a signature header is only given for a webhook body; an e-mail carries its own")
    return verify_email(data, keys)
