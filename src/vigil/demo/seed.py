"""Benign demo data for ``make run``: a hash list made from generated images, and one user per role.

Everything is generated (``vigil.demo.images.scene``): no real photograph of anyone. The categories are
labels on these benign pictures, there to show how lists and lookups carry them. Seeding twice changes
nothing; tokens are printed only for users created by this run. The demo analyst, when this run makes
them, also gets a console password and an enrolled authenticator (TOTP) secret, printed once too.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from vigil.auth import totp
from vigil.auth.console import ConsoleAuth
from vigil.auth.roles import Role
from vigil.auth.service import UserService
from vigil.demo.images import scene
from vigil.formats.csv import CSV
from vigil.hashlists.lists import ListError
from vigil.hashlists.service import HashDatabase
from vigil.signals.content import HashOptions, hash_bytes
from vigil.signals.crypto import MD5, SHA1, SHA256
from vigil.signals.pdq import PDQ

ACTOR: Final = "demo-seed"
CONTRIBUTOR: Final = "Demo hotline"
LIST: Final = "demo"
RECIPIENTS: Final = ("industry", "isp", "peer")
SERIES: Final = "Demo series"
IMAGES: Final = 24
#: The user ``make run`` signs in to the console with.
CONSOLE_USER: Final = "demo-analyst"


@dataclass(frozen=True)
class ConsoleLogin:
    """What the demo analyst types (or scans) to sign in; shown once, never stored in the clear."""

    name: str
    password: str
    totp_secret: str
    otpauth_uri: str


@dataclass
class SeedResult:
    folder: Path
    list_name: str = LIST
    version: int | None = None
    entries: int = 0
    created_list: bool = False
    #: (user, role, token) of the users this run created.
    tokens: list[tuple[str, Role, str]] = field(default_factory=list)
    existing_users: list[str] = field(default_factory=list)
    console: ConsoleLogin | None = None


def write_images(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"demo-{i:03d}.jpg"
        if not path.exists():
            scene(7000 + i, (480, 360)).save(path, quality=90)
        paths.append(path)
    return paths


def hash_listing(paths: list[Path], target: Path) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    kinds = (SHA256.name, MD5.name, SHA1.name, PDQ.name)
    writer.writerow([*kinds, "category", "scheme", "size", "mime_type"])
    for number, path in enumerate(paths):
        signals = hash_bytes(path.name, path.read_bytes(), HashOptions()).signals
        label = str(1 + number % 4)  # a label on a generated picture, for the demo's sake
        values = [signals.get(kind) or "" for kind in kinds]
        writer.writerow([*values, label, "vics-us", signals.size, "image/jpeg"])
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


def seed(
    sessions: sessionmaker[Session],
    data_dir: Path,
    *,
    users: bool = True,
    listing: Path | None = None,
    console: ConsoleAuth | None = None,
) -> SeedResult:
    """Seed the demo data; ``listing``: a file made earlier by :func:`hash_listing` (tests reuse one);
    ``console``: where the demo analyst's password and authenticator go (none: no console sign-in)."""
    folder = data_dir / "demo-seed"
    result = SeedResult(folder)
    db = HashDatabase(sessions, ACTOR)
    if LIST not in {info.name for info in db.lists()}:
        if listing is None:
            listing = hash_listing(write_images(folder / "images", IMAGES), folder / "demo-list.csv")
        db.add_contributor(CONTRIBUTOR, "hotline", "GB")
        db.create_list(LIST, CONTRIBUTOR, None, RECIPIENTS, "benign demo list made from generated images")
        db.import_file(listing, CSV, CONTRIBUTOR, list_name=LIST)
        result.created_list = True
        victim = db.add_victim(SERIES, "V-0001", CONTRIBUTOR)
        with listing.open(encoding="utf-8", newline="") as rows:
            first = next(csv.DictReader(rows))
        db.link_media_victim(first[SHA256.name], victim, CONTRIBUTOR)
    try:
        published = db.publish(LIST)
        result.version, result.entries = published.version, published.entries
    except ListError:
        result.version = None
    if users:
        service = UserService(sessions, ACTOR)
        known = {u.name for u in service.users()}
        for role in Role:
            name = f"demo-{role.value}"
            if name in known:
                result.existing_users.append(name)
                continue
            issued = service.add_user(name, role.value)
            result.tokens.append((name, role, issued.secret))
            if name == CONSOLE_USER and console is not None:
                result.console = console_login(console, name)
    return result


def console_login(console: ConsoleAuth, name: str) -> ConsoleLogin:
    password = secrets.token_urlsafe(15)  # 20 characters, above the 12 the policy asks for
    secret = totp.new_secret()
    console.set_password(name, password, ACTOR)
    console.enrol_totp(name, secret, ACTOR)
    uri = totp.provisioning_uri(secret, name, console.policy.issuer)
    return ConsoleLogin(name, password, secret, uri)
