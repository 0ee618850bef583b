"""A host verifies a notice exactly as it received it: the raw message an aiosmtpd server delivered
(CRLF line endings, the body re-encoded when it is not ASCII), with ``vigil hotline verify-notice``, with
the Python snippet of docs/hotline.md and with its shell and OpenSSL recipe; and a webhook body."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import (
    T0,
    hotline_settings,
    make_hotline,
    seed_known,
    smtp_server,
    write_images,
)
from tests.integration.hotline.servers import ConnectGuard, Page, StubResolver, http_site
from vigil import signing
from vigil.config import Settings
from vigil.hotline.clock import ManualClock
from vigil.hotline.notices import canonical_body, load_signing_key
from vigil.hotline.recheck import run_due
from vigil.hotline.service import HotlineService
from vigil.hotline.verification import NoticeError, verify_email, verify_notice, verify_webhook

DOCS = Path(__file__).resolve().parents[3] / "docs" / "hotline.md"
DIRECTORY = """
[[host]]
name = "Hook Hosting"
domains = ["hook.example"]
country = "US"
abuse_email = "abuse@hook.example"
webhook_url = "{hook}"
webhook_secret = "s3cret"
"""


def _doc_block(name: str) -> str:
    found = re.search(
        rf"<!-- {re.escape(name)} -->\n```\w+\n(.*?)\n```", DOCS.read_text(encoding="utf-8"), re.S
    )
    assert found, f"docs/hotline.md has no {name} block"
    return found.group(1)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@dataclass
class Delivered:
    settings: Settings
    case_id: int
    mail: bytes
    hook_body: bytes
    hook_headers: dict[str, str]


def _deliver(db: Settings, sessions: sessionmaker[Session], tmp_path: Path, hotline_name: str) -> Delivered:
    images = write_images(tmp_path / "img", [91])
    seed_known(sessions, tmp_path, images)
    with http_site() as site, http_site() as hooks, smtp_server() as inbox:
        directory = tmp_path / "dir.toml"
        directory.write_text(DIRECTORY.format(hook=hooks.url("127.0.0.1", "/abuse")), encoding="utf-8")
        settings = hotline_settings(db, inbox.port, directory, hotline_name=hotline_name)
        hl = make_hotline(settings, sessions, ManualClock(T0), StubResolver({"hook.example": ["127.0.0.1"]}))
        url = site.put("hook.example", "/k.jpg", Page(body=images[0].read_bytes()))
        case_id = HotlineService(hl, "test").submit(url).case_id
        run_due(hl)
        hl.close()
        (mail,) = [m.raw for m in inbox.to("abuse@hook.example")]
        ((_, headers, body),) = hooks.posts
    return Delivered(settings, case_id, mail, body, headers)


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_a_host_verifies_the_mail_as_delivered(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, connect_guard: ConnectGuard
) -> None:
    got = _deliver(db_settings, sessions, tmp_path, "Vigil hotline")
    key = load_signing_key(got.settings).public_key()
    raw = got.mail
    # What the server delivered: CRLF line endings and a 7bit body with the "-- " separator line.
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert b"Content-Transfer-Encoding: 7bit" in raw and b"\r\n-- \r\n" in raw
    verified = verify_email(raw, key)
    assert (verified.channel, verified.reference) == ("email", f"VIGIL-{got.case_id}")
    assert verified.key_id == signing.key_id(key)
    # The old scheme's failure: the body's bytes as received do not carry the signature.
    body = raw.split(b"\r\n\r\n", 1)[1]
    header = re.search(rb"X-Vigil-Signature: ([^\r\n]+)", raw)
    assert header is not None
    with pytest.raises(signing.SignatureError):
        signing.verify(body, header.group(1), key)

    # What else transport may do: LF line endings (a mailbox file), trailing spaces stripped, an extra
    # trace header in front. All still verify; a changed character does not, nor a second signature.
    for variant in (
        raw.replace(b"\r\n", b"\n"),
        raw.replace(b"\r\n-- \r\n", b"\r\n--\r\n"),
        b"Received: from mx.example by mx2.example; Mon, 2 Mar 2026 09:05:00 +0000\r\n" + raw,
        raw + b"\r\n\r\n",
    ):
        assert verify_email(variant, key).reference == f"VIGIL-{got.case_id}"
    tampered = raw.replace(b"/k.jpg", b"/K.jpg")
    assert tampered != raw
    with pytest.raises(signing.SignatureError, match="does not match"):
        verify_email(tampered, key)
    with pytest.raises(NoticeError, match="2 X-Vigil-Signature headers"):
        verify_email(b"X-Vigil-Signature: " + header.group(1) + b"\r\n" + tampered, key)
    other = signing.generate_private_key().public_key()
    with pytest.raises(signing.SignatureError, match="not among the trusted keys"):
        verify_email(raw, other)

    # The host's tools: the CLI, the documented Python snippet, the documented shell and OpenSSL recipe.
    folder = tmp_path / "host"
    folder.mkdir()
    (folder / "notice.eml").write_bytes(raw)
    (folder / "tampered.eml").write_bytes(tampered)
    (folder / "hotline.pem").write_bytes(signing.public_key_to_pem(key))
    (folder / "verify.py").write_text(_doc_block("verify-notice.py"), encoding="utf-8")
    cli = [sys.executable, "-m", "vigil", "hotline", "verify-notice"]
    ok = _run([*cli, "notice.eml", "--key", "hotline.pem"], folder)
    assert ok.returncode == 0, ok.stderr
    assert f"verified email notice VIGIL-{got.case_id}" in ok.stdout
    bad = _run([*cli, "tampered.eml", "--key", "hotline.pem"], folder)
    assert bad.returncode == 1 and "NOT verified: signature does not match the data" in bad.stderr
    snippet = _run([sys.executable, "verify.py", "notice.eml", "hotline.pem"], folder)
    assert snippet.returncode == 0 and snippet.stdout.startswith("verified, key"), snippet.stderr
    assert _run([sys.executable, "verify.py", "tampered.eml", "hotline.pem"], folder).returncode != 0
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    recipe = _doc_block("verify-notice.sh")
    shell = _run(["bash", "-eo", "pipefail", "-c", recipe], folder)
    assert shell.returncode == 0 and "Signature Verified Successfully" in shell.stdout, shell.stderr
    assert (folder / "notice.txt").read_bytes() == canonical_body(verify_email_text(raw))
    (folder / "notice.eml").write_bytes(tampered)
    assert _run(["bash", "-eo", "pipefail", "-c", recipe], folder).returncode != 0


def _reencoded(raw: bytes, cte: str) -> bytes:
    import email
    import email.policy
    from email.message import EmailMessage

    message = email.message_from_bytes(raw, policy=email.policy.SMTP)
    assert isinstance(message, EmailMessage)
    message.set_content(verify_email_text(raw), cte=cte)
    return message.as_bytes()


def verify_email_text(raw: bytes) -> str:
    import email
    import email.policy
    from email.message import EmailMessage

    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    text = part.get_content()
    assert isinstance(text, str)
    return text


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_an_encoded_notice_and_its_webhook_verify(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, connect_guard: ConnectGuard
) -> None:
    # A hotline name outside ASCII: the text travels 8bit, and a relay without 8BITMIME re-encodes it
    # quoted-printable or base64; every form verifies, with Vigil and with the documented snippet.
    got = _deliver(db_settings, sessions, tmp_path, "Meldestelle Zürich — Vigil")
    key = load_signing_key(got.settings).public_key()
    assert b"Content-Transfer-Encoding: 8bit" in got.mail
    assert "Meldestelle Zürich — Vigil" in verify_email_text(got.mail)
    folder = tmp_path / "host"
    folder.mkdir()
    (folder / "hotline.pem").write_bytes(signing.public_key_to_pem(key))
    (folder / "verify.py").write_text(_doc_block("verify-notice.py"), encoding="utf-8")
    for cte in ("8bit", "quoted-printable", "base64"):
        mail = got.mail if cte == "8bit" else _reencoded(got.mail, cte)
        assert f"Content-Transfer-Encoding: {cte}".encode() in mail
        assert verify_notice(mail, key).reference == f"VIGIL-{got.case_id}"
        (folder / "notice.eml").write_bytes(mail)
        snippet = _run([sys.executable, "verify.py", "notice.eml", "hotline.pem"], folder)
        assert snippet.returncode == 0, (cte, snippet.stderr)

    # The webhook: the header signs the exact body, the JSON carries the notice's own signature.
    header = got.hook_headers["X-Vigil-Signature"]
    webhook = verify_webhook(got.hook_body, key, header)
    assert (webhook.channel, webhook.reference) == ("webhook", f"VIGIL-{got.case_id}")
    assert verify_notice(got.hook_body, key).channel == "webhook"
    tampered = got.hook_body.replace(b"VIGIL-", b"VIGIL-9")
    with pytest.raises(signing.SignatureError):
        verify_webhook(tampered, key, header)
    with pytest.raises(signing.SignatureError):
        verify_webhook(tampered, key)  # the notice text's own signature catches it too
    (folder / "hook.json").write_bytes(got.hook_body)
    (folder / "bad.json").write_bytes(tampered)
    cli = [sys.executable, "-m", "vigil", "hotline", "verify-notice"]
    ok = _run([*cli, "hook.json", "--key", "hotline.pem", "--signature", header], folder)
    assert ok.returncode == 0 and "verified webhook notice" in ok.stdout, ok.stderr
    bad = _run([*cli, "bad.json", "--key", "hotline.pem", "--signature", header], folder)
    assert bad.returncode == 1 and "NOT verified" in bad.stderr
