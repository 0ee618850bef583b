"""``s3://bucket/prefix`` inputs of ``vigil hash`` and ``vigil scan``, through the real command, against
a real S3-compatible server on loopback (tests/s3_server.py)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.s3_server import S3Server, s3_server
from vigil.demo.images import scene
from vigil.index import ExactIndex, PdqIndex
from vigil.scanning.matching import KnownLists
from vigil.scanning.runners.local import ScanRequest, run_scan
from vigil.signals.content import hash_file
from vigil.storage import s3

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with s3_server() as s:
        yield s


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory, server: S3Server) -> Path:
    root = tmp_path_factory.mktemp("objects")
    (root / "case" / "b").mkdir(parents=True)
    for i in range(5):
        scene(700 + i, (320, 240)).save(root / "case" / "b" / f"img{i}.jpg", quality=90)
    scene(710, (300, 200)).save(root / "case" / "a.png")
    (root / "case" / "notes.txt").write_text("benign text\n")
    (root / "case-other.txt").write_text("not under case/\n")
    server.upload_tree("evidence", root)
    return root


def vigil(server: S3Server, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=server.environ(),
    )


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_hash_objects_as_files(server: S3Server, tree: Path) -> None:
    remote = vigil(server, "hash", "s3://evidence/case", "-j", "2")
    local = vigil(server, "hash", tree / "case", "-j", "2")
    assert remote.returncode == 0, remote.stderr
    got, want = lines(remote.stdout), lines(local.stdout)
    # Key order (S3 sorts keys bytewise: "a.png" < "b/..." < "notes.txt"), the same signals as the files.
    assert [r["path"] for r in got] == [
        "s3://evidence/case/a.png",
        *(f"s3://evidence/case/b/img{i}.jpg" for i in range(5)),
        "s3://evidence/case/notes.txt",
    ]
    assert [{**r, "path": None} for r in got] == [{**r, "path": None} for r in want]
    assert got[1]["pdq"] and got[1]["error"] is None


def test_one_object_and_a_folder_prefix(server: S3Server, tree: Path) -> None:
    one = lines(vigil(server, "hash", "s3://evidence/case/a.png").stdout)
    assert [r["path"] for r in one] == ["s3://evidence/case/a.png"]
    assert one[0]["sha256"] == hashlib.sha256((tree / "case" / "a.png").read_bytes()).hexdigest()
    # "case" is a folder, not a string prefix: case-other.txt is not below it; the bucket's root is.
    everything = [r["path"] for r in lines(vigil(server, "hash", "s3://evidence/").stdout)]
    assert everything[0] == "s3://evidence/case-other.txt" and len(everything) == 8


def test_missing_bucket_and_object_are_errors_of_their_own(server: S3Server, tree: Path) -> None:
    res = vigil(
        server, "hash", "s3://no-such-bucket/x", "s3://evidence/case/notes.txt", "s3://evidence/nothing"
    )
    assert res.returncode == 1
    rows = lines(res.stdout)
    assert rows[0]["path"] == "s3://no-such-bucket/x" and "no such bucket" in str(rows[0]["error"])
    assert rows[1]["path"] == "s3://evidence/case/notes.txt" and rows[1]["error"] is None
    assert len(rows) == 2  # a prefix with no object under it is nothing to hash


def test_scan_objects_matches_like_files(server: S3Server, tree: Path, tmp_path: Path) -> None:
    known = hash_file(str(tree / "case" / "b" / "img1.jpg")).signals.get("pdq")
    PdqIndex.build([str(known)], ids=[41]).save(tmp_path / "pdq.idx")
    md5 = hashlib.md5((tree / "case" / "notes.txt").read_bytes()).hexdigest()
    ExactIndex.build([md5], ids=[42]).save(tmp_path / "md5.idx")
    args = ("--index", tmp_path / "pdq.idx", "--index", tmp_path / "md5.idx", "-j", "2")
    res = vigil(server, "scan", "s3://evidence/case/", "--report", tmp_path / "r", *args)
    assert res.returncode == 0, res.stderr
    items = {i["path"]: i for i in json.loads((tmp_path / "r" / "report.json").read_text())["items"]}
    assert [m["entry_id"] for m in items["s3://evidence/case/b/img1.jpg"]["matches"]] == [41]
    assert [m["entry_id"] for m in items["s3://evidence/case/notes.txt"]["matches"]] == [42]
    assert not items["s3://evidence/case/b/img2.jpg"]["matches"]
    assert all(i["error"] is None for i in items.values())


def test_thumbnails_made_again_from_objects(
    server: S3Server, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A preview not kept while scanning (over the cap) is made again at report time from the object."""
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    s3.client.cache_clear()  # this process's client, made from the server's settings
    try:
        pages = {}
        for label, cap in (("kept", 64 << 20), ("remade", 0)):
            request = ScanRequest(["s3://evidence/case/"], tmp_path / label, jobs=1, preview_bytes=cap)
            run_scan(request, KnownLists())
            pages[label] = (tmp_path / label / "report.html").read_text()
    finally:
        s3.client.cache_clear()
    assert pages["kept"].count("data:image/jpeg;base64,") == 6
    assert pages["kept"] == pages["remade"]
