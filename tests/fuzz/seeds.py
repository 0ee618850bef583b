"""Benign seed files of every format Vigil reads, generated in memory (no file of the repository needed).

Images are generated scenes (``vigil.demo.images``) saved in every format the hashing pipeline decodes;
hash-list files come from Vigil's own exporters plus hand-shaped VICS 1.x and case exports; blocklist
inputs (RPZ, hosts, keyword and blocklist JSON) from the blocklist exporters. The shared conformance
files are added when the team's shared folder sits beside the repository.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from PIL import Image

from tests.conftest import SHARED
from vigil.blocklists.entries import ListEntry
from vigil.blocklists.export.hosts import render_hosts
from vigil.blocklists.export.json import version_to_json
from vigil.blocklists.export.rpz import RpzOptions, render_rpz
from vigil.blocklists.keywords import HelpResource, Keyword, KeywordListVersion, MatchMode, keywords_to_json
from vigil.blocklists.versions import ListVersion
from vigil.demo.images import scene
from vigil.formats.base import Diagnostics, HashRecord
from vigil.formats.csv import CSV
from vigil.formats.md5sum import MD5SUM
from vigil.formats.pytx import PYTX
from vigil.formats.vics import VicsFormat
from vigil.signals.images import enable_extra_formats

WHEN: Final = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Seed:
    """One seed file: ``kind`` is the image format or the list/reader format it is read as."""

    name: str
    kind: str
    suffix: str
    data: bytes


# -- images -----------------------------------------------------------------------------------------


def _save(im: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # IM: still read, to be dropped by Pillow 15
        im.save(buf, fmt, **params)
    return buf.getvalue()


def _psd(im: Image.Image) -> bytes:
    """A minimal uncompressed RGB PSD (Pillow reads PSD but cannot write it)."""
    rgb = im.convert("RGB")
    head = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, rgb.height, rgb.width, 8, 3)
    planes = b"".join(band.tobytes() for band in rgb.split())
    return head + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + planes


def _flat() -> Image.Image:
    """A two-colour square: ICNS stores it at eight sizes up to 1024 pixels, which must stay small."""
    im = Image.new("RGB", (32, 32), (40, 90, 160))
    im.paste((220, 200, 40), (8, 8, 24, 20))
    return im


def _exif_oriented(im: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the pipeline transposes before hashing
    return _save(im, "JPEG", exif=exif.tobytes(), quality=85)


@cache
def image_seeds() -> tuple[Seed, ...]:
    enable_extra_formats()
    small = scene(11, (48, 32))
    large = scene(12, (640, 480))
    frames = [scene(13 + i, (40, 30)).convert("P") for i in range(2)]
    made: list[tuple[str, str, bytes]] = [
        ("png-rgb", ".png", _save(small, "PNG")),
        ("png-rgba", ".png", _save(small.convert("RGBA"), "PNG")),
        ("png-palette", ".png", _save(small.convert("P"), "PNG", transparency=0)),
        ("png-16bit", ".png", _save(small.convert("I;16"), "PNG")),
        ("png-interlaced-large", ".png", _save(large, "PNG", optimize=True)),
        ("jpeg", ".jpg", _save(small, "JPEG", quality=90)),
        ("jpeg-progressive-large", ".jpg", _save(large, "JPEG", progressive=True)),
        ("jpeg-large", ".jpeg", _save(large, "JPEG", quality=80)),
        ("jpeg-grey", ".jpg", _save(small.convert("L"), "JPEG")),
        ("jpeg-cmyk", ".jpg", _save(small.convert("CMYK"), "JPEG")),
        ("jpeg-exif", ".jpg", _exif_oriented(small)),
        ("gif-animated", ".gif", _save(frames[0], "GIF", save_all=True, append_images=frames[1:])),
        ("bmp", ".bmp", _save(small, "BMP")),
        ("bmp-palette", ".bmp", _save(small.convert("P"), "BMP")),
        ("tiff", ".tif", _save(small, "TIFF")),
        ("tiff-lzw", ".tiff", _save(small, "TIFF", compression="tiff_lzw")),
        ("tiff-deflate", ".tiff", _save(small, "TIFF", compression="tiff_adobe_deflate")),
        ("tiff-jpeg", ".tiff", _save(small, "TIFF", compression="jpeg")),
        ("tiff-16bit", ".tif", _save(small.convert("I;16"), "TIFF")),
        (
            "tiff-pages",
            ".tif",
            _save(frames[0].convert("RGB"), "TIFF", save_all=True, append_images=frames[1:]),
        ),
        ("webp-lossy", ".webp", _save(small, "WEBP", quality=80)),
        ("webp-lossless", ".webp", _save(small, "WEBP", lossless=True)),
        ("webp-animated", ".webp", _save(frames[0], "WEBP", save_all=True, append_images=frames[1:])),
        ("heic", ".heic", _save(small, "HEIF", quality=60)),
        ("avif", ".avif", _save(small, "AVIF", quality=60)),
        ("ico", ".ico", _save(small, "ICO", sizes=[(32, 32), (16, 16)])),
        ("ppm", ".ppm", _save(small, "PPM")),
        ("pgm", ".pgm", _save(small.convert("L"), "PPM")),
        ("pbm", ".pbm", _save(small.convert("1"), "PPM")),
        ("tga", ".tga", _save(small, "TGA")),
        ("tga-rle", ".tga", _save(small, "TGA", compression="tga_rle")),
        ("jp2", ".jp2", _save(small, "JPEG2000")),
        ("j2k", ".j2k", _save(small, "JPEG2000", no_jp2=True)),
        ("psd", ".psd", _psd(small)),
        ("pcx", ".pcx", _save(small, "PCX")),
        ("sgi", ".sgi", _save(small, "SGI")),
        ("dds", ".dds", _save(small.convert("RGBA"), "DDS")),
        ("icns", ".icns", _save(_flat(), "ICNS")),
        ("qoi", ".qoi", _save(small, "QOI")),
        ("im", ".im", _save(small, "IM")),
        ("msp", ".msp", _save(small.convert("1"), "MSP")),
        ("xbm", ".xbm", _save(small.convert("1"), "XBM")),
        ("blp", ".blp", _save(small.convert("P"), "BLP")),
    ]
    return tuple(Seed(name, name.split("-")[0], suffix, data) for name, suffix, data in made)


# -- hash-list files --------------------------------------------------------------------------------


def _records(count: int = 6) -> list[HashRecord]:
    out = []
    for i in range(count):
        body = f"vigil fuzz seed {i}".encode()
        record = HashRecord(
            md5=hashlib.md5(body).hexdigest(),
            sha1=hashlib.sha1(body).hexdigest(),
            sha256=hashlib.sha256(body).hexdigest(),
            size=1000 + i,
            mime_type="image/jpeg",
            category=str(i % 4),
            scheme="vics-us",
            series=f"series-{i % 2}" if i % 3 else None,
            victim_identified=bool(i % 2),
        )
        record.signals.append(("pdq", hashlib.sha256(body + b"pdq").hexdigest()))
        if i % 2:
            record.signals.append(("photodna", hashlib.sha512(body).hexdigest()))
        out.append(record)
    return out


def _written(fmt: Any, records: list[HashRecord]) -> bytes:
    buf = io.BytesIO()
    fmt.write(records, buf, Diagnostics())
    return buf.getvalue()


def _vics_media_1x(record: HashRecord, media_id: int) -> dict[str, Any]:
    assert record.md5 is not None
    return {
        "MediaID": media_id,
        "MD5": record.md5.upper(),
        "SHA1": (record.sha1 or "").upper(),
        "Category": int(record.category or 0),
        "MediaSize": str(record.size),
        "VictimIdentified": "false",
        "IsPrecategorized": True,
        "DateUpdated": "/Date(1404301200000+0100)/",
        "Exifs": [{"MD5": record.md5, "PropertyName": "Make", "PropertyValue": "Camera"}],
        "AlternativeHashes": [{"HashName": "SHA256", "HashValue": record.sha256}],
        "PhotoDNA": "0" * 288,
    }


def _vics_1x(records: list[HashRecord]) -> bytes:
    doc = {
        "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml/US/$metadata#Media",
        "value": [_vics_media_1x(r, i + 1) for i, r in enumerate(records)],
    }
    return json.dumps(doc, indent=1).encode()


def _vics_case(records: list[HashRecord]) -> bytes:
    media = json.loads(_written(VicsFormat(), records))["value"]
    doc = {
        "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases",
        "value": [{"CaseID": "00000000-0000-0000-0000-000000000001", "CaseNumber": "fuzz", "Media": media}],
    }
    return json.dumps(doc).encode()


def _hash_csv(records: list[HashRecord]) -> bytes:
    """The shape ``vigil hash --format csv`` writes (path, pdq_quality and error columns)."""
    lines = ["path,size,md5,sha1,sha256,pdq,pdq_quality,error"]
    for i, r in enumerate(records):
        lines.append(f"img/{i}.jpg,{r.size},{r.md5},{r.sha1},{r.sha256},{r.signals[0][1]},100,")
    lines.append("img/broken.jpg,12,,,,,,corrupt or truncated image")
    return ("\n".join(lines) + "\n").encode()


#: Shared conformance files small enough to mutate quickly (see shared/conformance/vics/README.md).
_SHARED_VICS: Final = (
    "example-VIC-data.json",
    "NSRL-CAID-ART.json",
    "NSRL-CAID-MPG.json",
    "NSRL-CAID-MOV.json",
)


@cache
def list_seeds() -> tuple[Seed, ...]:
    records = _records()
    seeds = [
        Seed("vics-2.0", "vics", ".json", _written(VicsFormat(), records)),
        Seed("vics-2.0-us", "vics", ".json", _written(VicsFormat("us"), records[:3])),
        Seed("vics-1.x", "vics", ".json", _vics_1x(records)),
        Seed("vics-case", "vics", ".json", _vics_case(records)),
        Seed("csv-export", "csv", ".csv", _written(CSV, records)),
        Seed("csv-hash-output", "csv", ".csv", _hash_csv(records)),
        Seed("md5sum", "md5sum", ".md5", _written(MD5SUM, records)),
        Seed("pytx", "pytx", ".txt", _written(PYTX, records)),
        Seed("pytx-bare", "pytx", ".txt", "\n".join(r.md5 or "" for r in records).encode()),
    ]
    folder = SHARED / "conformance" / "vics"
    for name in _SHARED_VICS:
        if (folder / name).is_file():
            seeds.append(
                Seed(f"vics-shared-{Path(name).stem}", "vics", ".json", (folder / name).read_bytes())
            )
    return tuple(seeds)


# -- blocklist inputs -------------------------------------------------------------------------------


def _version() -> ListVersion:
    entries = [
        ListEntry.create("abuse-host.example", category="csam", added_at=WHEN, reason="report 1"),
        ListEntry.create("*.dedicated.example", category="csam", added_at=WHEN),
        ListEntry.create("http://files.example/a/b?c=1", category="csam", added_at=WHEN),
        ListEntry.create("xn--bcher-kva.example", category="csam", added_at=WHEN),
    ]
    return ListVersion(name="fuzz", serial=7, published_at=WHEN, entries=tuple(entries))


def _keywords() -> KeywordListVersion:
    help_ = HelpResource(name="Stop It Now", url="https://help.example/", language="en", phone="+44 800 1000")
    words: list[tuple[str, MatchMode]] = [
        ("widget maker", "phrase"),
        ("gadget", "word"),
        ("thing", "substring"),
    ]
    keywords = tuple(
        Keyword(
            term=term,
            language="en",
            match=mode,
            warning="This search may be illegal.",
            help=help_,
            added_at=WHEN,
        )
        for term, mode in words
    )
    return KeywordListVersion(name="keywords", serial=3, published_at=WHEN, keywords=keywords)


#: Zone-file directives worth inserting: includes, generators, origins and TTLs at their edges.
RPZ_DIRECTIVES: Final = (
    "$INCLUDE /etc/passwd",
    "$GENERATE 1-100000 host$ CNAME .",
    "$GENERATE 1-4294967295 h$ CNAME .",
    "$ORIGIN .",
    "$ORIGIN " + "a." * 130,
    "$TTL 4294967296",
    "@ SOA localhost. hostmaster.localhost. 4294967296 1 1 1 1",
    "(",
    ")",
    "32.1.0.0.127.rpz-ip CNAME .",
    "129.1.0.0.127.rpz-client-ip CNAME rpz-passthru.",
    "zz.1.rpz-nsip CNAME .",
)


@cache
def reader_seeds() -> tuple[Seed, ...]:
    version = _version()
    seeds = [
        Seed("rpz-export", "rpz", ".rpz", render_rpz(version, RpzOptions(origin="fuzz.rpz.vigil.")).encode()),
        Seed("hosts-export", "hosts", ".hosts", render_hosts(version).encode()),
        Seed("keywords-export", "keywords", ".json", keywords_to_json(_keywords()).encode()),
        Seed("blocklist-json", "blocklist-json", ".json", version_to_json(version).encode()),
    ]
    folder = SHARED / "conformance" / "rpz"
    for name in ("basic.rpz", "db.clientip1", "db.given", "rpz.db", "policy.test.rpz"):
        if (folder / name).is_file():
            seeds.append(Seed(f"rpz-shared-{name}", "rpz", ".rpz", (folder / name).read_bytes()))
    return tuple(seeds)
