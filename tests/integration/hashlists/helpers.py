"""Benign test data for the hash database: generated hashes, never real material."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vigil.hashlists.models import (
    Classification,
    Contributor,
    HashListMember,
    Media,
    MediaSignal,
    Provenance,
)

COUNTED = (Media, MediaSignal, Classification, Contributor, Provenance, HashListMember)


def fake_hashes(seed: str) -> dict[str, str]:
    """MD5, SHA-1 and SHA-256 of a seed string: stand-ins for the digests of a file."""
    data = seed.encode()
    return {
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha1": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def fake_pdq(seed: str) -> str:
    return hashlib.sha256(b"pdq" + seed.encode()).hexdigest()


def vics_media(seed: str, category: int | None = 1, **extra: Any) -> dict[str, Any]:
    h = fake_hashes(seed)
    media: dict[str, Any] = {
        "MediaID": 0,
        "MD5": h["md5"].upper(),
        "SHA1": h["sha1"].upper(),
        "MediaSize": 100,
    }
    if category is not None:
        media["Category"] = category
    media.update(extra)
    return media


def write_vics(path: Path, media: list[Any], *, cases: bool = False) -> Path:
    if cases:
        doc: dict[str, Any] = {
            "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases",
            "value": [
                {"CaseID": "{00000000-0000-0000-0000-000000000001}", "CaseNumber": "T-1", "Media": media}
            ],
        }
    else:
        doc = {
            "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media",
            "value": media,
        }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            model.__tablename__: int(session.execute(select(func.count()).select_from(model)).scalar_one())
            for model in COUNTED
        }
