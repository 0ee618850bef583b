"""End to end through the ``vigil`` command and two served instances: a list with a video that has a
MIME type but no vPDQ is imported and published; its CSV and VICS exports say ``video/mp4`` (an item
without a MIME type is exported without one), a MIME type learnt later makes a changed entry of a new
version, and a peer that pulls the list keeps the MIME type in its copy's export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.e2e.test_federation import _env, _sqlite
from tests.e2e.test_hotline_pages import vigil
from tests.integration.hashlists.helpers import fake_hashes
from tests.served_vigil import vigil_serve

pytestmark = pytest.mark.slow

CONTRIBUTOR = ("--contributor", "Hotline A", "--kind", "hotline", "--country", "FR")


def _listing(path: Path, items: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["sha256", "md5", "sha1", "category", "scheme", "size", "mime_type"])
        for seed, mime in items.items():
            h = fake_hashes(seed)
            writer.writerow([h["sha256"], h["md5"], h["sha1"], "1", "vics-us", "100", mime])
    return path


def _csv_mime(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as f:
        return {row["md5"]: row["mime_type"] for row in csv.DictReader(f)}


def test_exports_and_a_peers_copy_of_a_published_list_say_video(tmp_path: Path) -> None:
    a = _env(tmp_path / "a", "hotline-a")
    b = _env(tmp_path / "b", "hotline-b")
    for env in (a, b):
        vigil(env, "db", "upgrade")
    clip, photo = fake_hashes("clip")["md5"], fake_hashes("photo")["md5"]
    listing = _listing(tmp_path / "in.csv", {"clip": "video/mp4", "photo": ""})
    vigil(a, "lists", "import", str(listing), "--format", "csv", *CONTRIBUTOR)
    vigil(
        a,
        "lists",
        "create",
        "shared",
        "--contributor",
        "Hotline A",
        "--from",
        "Hotline A",
        "--recipient",
        "peer",
    )
    assert "shared version 1: 2 entries" in vigil(a, "lists", "publish", "shared").stdout

    vigil(a, "lists", "export", "shared", "--format", "csv", "-o", str(tmp_path / "out.csv"))
    assert _csv_mime(tmp_path / "out.csv") == {clip: "video/mp4", photo: ""}
    vigil(a, "lists", "export", "shared", "--format", "vics", "-o", str(tmp_path / "out.json"))
    media = {m["MD5"].lower(): m for m in json.loads((tmp_path / "out.json").read_text())["value"]}
    assert media[clip]["MimeType"] == "video/mp4" and "MimeType" not in media[photo]

    learnt = _listing(tmp_path / "later.csv", {"photo": "image/jpeg"})
    vigil(a, "lists", "import", str(learnt), "--format", "csv", "--contributor", "Hotline A")
    assert "version 2: 2 entries (+0 -0 ~1)" in vigil(a, "lists", "publish", "shared").stdout
    vigil(a, "lists", "export", "shared", "--format", "csv", "-o", str(tmp_path / "v2.csv"))
    assert _csv_mime(tmp_path / "v2.csv") == {clip: "video/mp4", photo: "image/jpeg"}
    vigil(a, "lists", "export", "shared", "--format", "csv", "--version", "1", "-o", str(tmp_path / "v1.csv"))
    assert _csv_mime(tmp_path / "v1.csv") == {clip: "video/mp4", photo: ""}  # version 1 never changes

    token = vigil(a, "users", "add", "hotline-b", "--role", "peer").stdout.strip()
    (tmp_path / "a.pem").write_text(vigil(a, "peers", "keys", "export").stdout)
    with vigil_serve(a, tmp_path / "a.log") as url_a, vigil_serve(b, tmp_path / "b.log") as url_b:
        vigil(b, "peers", "add", "hotline-a", url_a, "--token", token, "--key", str(tmp_path / "a.pem"),
              "--country", "FR")  # fmt: skip
        # The feed reads a peer's sharing policy by its name: A knows B as a peer too.
        vigil(a, "peers", "add", "hotline-b", url_b, "--token", "unused", "--key", str(tmp_path / "a.pem"),
              "--country", "DE")  # fmt: skip
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert "2 records (added 2" in out, out
    assert sorted(_sqlite(b, "SELECT md5, mime_type FROM media")) == sorted(
        [(clip, "video/mp4"), (photo, "image/jpeg")]
    )
    vigil(b, "lists", "export", "hotline-a:shared", "--format", "csv", "-o", str(tmp_path / "copy.csv"))
    assert _csv_mime(tmp_path / "copy.csv") == {clip: "video/mp4", photo: "image/jpeg"}
