"""Notices: what the hotline tells a host or law enforcement about a case, signed, and how it leaves
(SMTP e-mail, or a webhook the host asked for).

Every notice carries ``X-Vigil-Signature`` (Ed25519, in the blocklists' signature format) so that a host
can tell a real notice from a phishing look-alike. The signature is over the notice's text in its
canonical form (:func:`canonical_body`), not over the bytes sent: mail transport rewrites line endings
to CRLF, may re-encode the body (quoted-printable, base64) and strip trailing spaces, and the host must
still be able to verify what it received (:mod:`vigil.hotline.verification`). A webhook carries the same
signature in its JSON (``signature``), an Ed25519 signature of the exact request body in the header, and
an HMAC-SHA256 of the body under the secret the host registered. A notice names the category as a label
only and never carries content.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import make_msgid
from pathlib import Path
from typing import Final, Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vigil import signing
from vigil.config import Settings

SIGNATURE_HEADER: Final = "X-Vigil-Signature"
HMAC_HEADER: Final = "X-Vigil-Hmac-SHA256"


class DeliveryError(RuntimeError):
    """The notice did not leave (SMTP or HTTP failure); the job retries it."""


def signing_key_path(settings: Settings) -> Path:
    return Path(settings.hotline_signing_key or settings.data_dir / "keys" / "hotline-signing.pem")


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The hotline's Ed25519 key; created once under ``data_dir/keys`` when none is configured."""
    path = signing_key_path(settings)
    if not Path(path).exists():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(signing.private_key_to_pem(signing.generate_private_key()))
    return signing.private_key_from_pem(Path(path).read_bytes())


@dataclass(frozen=True)
class NoticeText:
    subject: str
    body: str


@dataclass(frozen=True)
class CaseFacts:
    """What a notice says about a case."""

    case_id: int
    url: str
    reported_at: datetime
    jurisdiction: str
    scheme: str
    category: str
    ip: str | None
    country: str | None
    provider: str | None


def reference(case_id: int) -> str:
    return f"VIGIL-{case_id}"


def compose(
    facts: CaseFacts, kind: str, sequence: int, hotline: str, contact: str, host_notices: int = 0
) -> NoticeText:
    """``host_notices``: notices the host had before this message (escalations say how many)."""
    ref = reference(facts.case_id)
    where = ", ".join(x for x in (facts.ip, facts.provider, facts.country) if x) or "unknown"
    if kind == "law_enforcement":
        subject = f"[{hotline}] Report {ref}: content assessed illegal, hosted in {facts.country or '?'}"
        ask = (
            "The hotline reports this URL for your information. Reply with a hold if the notice to the "
            "host would harm an investigation: no notice is sent while a hold stands."
        )
    elif kind == "escalation":
        subject = f"[{hotline}] Escalation {ref}: content still online after {host_notices} notices"
        ask = "The host has not removed the content after repeated notices. Please act on this URL."
    else:
        subject = (
            f"[{hotline}] {'Notice' if sequence == 1 else f'Repeat notice {sequence}'} {ref}: remove content"
        )
        ask = (
            "Please remove or disable access to the content at this URL without delay, and keep any "
            "records you hold about it: law enforcement may ask for them. Do not forward the content."
        )
    body = "\n".join(
        [
            f"{hotline}: notice and takedown",
            "",
            f"Reference: {ref}",
            f"Notice: {sequence}",
            f"URL: {facts.url}",
            f"Reported: {facts.reported_at.isoformat(timespec='minutes')}",
            f"Assessment: illegal under {facts.jurisdiction} ({facts.scheme} category {facts.category})",
            f"Hosting: {where}",
            "",
            ask,
            "",
            "This message is signed; the signature is in its X-Vigil-Signature header.",
            "",
            "-- ",
            hotline,
            contact,
            "",
        ]
    )
    return NoticeText(subject, body)


def canonical_body(text: str) -> bytes:
    """The bytes a notice's signature covers: the text with every line ending (CRLF, CR, LF) made LF,
    spaces and tabs at the end of each line removed, blank lines at the end removed, one LF after the
    last line, encoded as UTF-8. Transport changes none of these, whatever it does to the bytes."""
    lines = [line.rstrip(" \t") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return ("\n".join(lines) + "\n").encode("utf-8")


def sign_text(body: str, key: Ed25519PrivateKey) -> str:
    return signing.sign(canonical_body(body), key).strip()


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.user, self.password, self.timeout = user, password, timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        password = settings.hotline_smtp_password
        return cls(
            settings.hotline_smtp_host,
            settings.hotline_smtp_port,
            starttls=settings.hotline_smtp_starttls,
            user=settings.hotline_smtp_user,
            password=password.get_secret_value() if password else None,
        )

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user and self.password:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from None


def email(text: NoticeText, sender: str, recipient: str, signature: str, case_id: int) -> EmailMessage:
    # Python's header folding breaks a long subject before its first word, which readers then show with
    # a leading space; RFC 5322 allows lines of 998 characters, so nothing needs folding.
    message = EmailMessage(policy=SMTP_POLICY.clone(max_line_length=998))
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = text.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    message["X-Vigil-Case"] = reference(case_id)
    message[SIGNATURE_HEADER] = signature
    message.set_content(text.body)
    return message


def post_webhook(
    client: httpx.Client,
    url: str,
    secret: str | None,
    payload: dict[str, object],
    signature_key: Ed25519PrivateKey,
) -> int:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signing.sign(body, signature_key).strip(),
    }
    if secret:
        headers[HMAC_HEADER] = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {url}: {exc}") from None
    if response.status_code >= 300:
        raise DeliveryError(f"webhook {url}: HTTP {response.status_code}")
    return response.status_code
