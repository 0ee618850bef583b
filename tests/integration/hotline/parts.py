"""Building a hotline for tests: settings, a seeded hash database, an SMTP server and a directory."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.servers import StubResolver, free_port
from vigil.config import Settings
from vigil.demo.images import scene
from vigil.demo.seed import hash_listing
from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase
from vigil.hotline.clock import ManualClock
from vigil.hotline.ipdata import NoIpData
from vigil.hotline.runtime import Hotline, build_hotline

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONTRIBUTOR = "Test hotline"


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: Message
    #: The message exactly as the server received it (CRLF line ends, transfer encodings as sent).
    raw: bytes

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode("utf-8")


@dataclass
class Inbox:
    port: int
    mails: list[Mail] = field(default_factory=list)

    def to(self, recipient: str) -> list[Mail]:
        return [m for m in self.mails if recipient in m.recipients]


class _Collect:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.content)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.inbox.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message, raw))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(_Collect(inbox), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def write_images(folder: Path, seeds: list[int]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in seeds:
        path = folder / f"scene-{s}.jpg"
        scene(s, (320, 240)).save(path, quality=90)
        paths.append(path)
    return paths


def seed_known(sessions: sessionmaker[Session], folder: Path, images: list[Path]) -> None:
    """Import the images' hashes into the hash database, each labelled vics-us category 1 (the first
    label hash_listing gives; a label on a generated picture), which the 'us' jurisdiction holds illegal."""
    db = HashDatabase(sessions, "test")
    db.add_contributor(CONTRIBUTOR, "hotline", "US")
    for i, image in enumerate(images):
        db.import_file(hash_listing([image], folder / f"known-{i}.csv"), CSV, CONTRIBUTOR)


DIRECTORY = """
[[host]]
name = "Good Hosting"
domains = ["good.example"]
country = "US"
asn = 64500
abuse_email = "abuse@good.example"

[[host]]
name = "Bad Hosting"
domains = ["bad.example"]
country = "US"
asn = 64501
abuse_email = "abuse@bad.example"

[[host]]
name = "Far Hosting"
domains = ["far.example"]
country = "NL"
asn = 64502

[[host]]
name = "Remote Hosting"
domains = ["remote.example"]
country = "BR"

[[partner]]
country = "NL"
name = "Partner hotline NL"
endpoint = "{partner}"
token = "{token}"

[[law_enforcement]]
country = "US"
name = "Police US"
email = "referrals@police.example"
"""


def hotline_settings(db: Settings, smtp_port: int, directory: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": db.data_dir,
        "database_url": db.database_url,
        "hotline_country": "US",
        "hotline_jurisdiction": "us",
        "hotline_fetch_allow": ["127.0.0.1/32"],
        "hotline_fetch_timeout": 5.0,
        "hotline_smtp_host": "127.0.0.1",
        "hotline_smtp_port": smtp_port,
        "hotline_mail_from": "hotline@vigil.example",
        "hotline_escalate_after": 2,
        "hotline_directory": directory,
        "api_rate_per_second": 0,
        "index_poll_seconds": 0,
        "api_token_cache_seconds": 0,
    }
    return Settings(**(values | extra))


def make_hotline(
    settings: Settings, sessions: sessionmaker[Session], clock: ManualClock, resolver: StubResolver
) -> Hotline:
    return build_hotline(settings, sessions, clock=clock, resolver=resolver, ipdata=NoIpData())


def write_directory(path: Path, partner: str = "http://127.0.0.1:9/none", token: str = "") -> Path:
    path.write_text(DIRECTORY.format(partner=partner, token=token), encoding="utf-8")
    return path
