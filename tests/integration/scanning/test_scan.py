"""`vigil scan` end to end on a fixture tree of benign generated images, through the real command."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.archivefiles import mark_zip_encrypted, sevenzip_bytes, tar_bytes, zip_bomb, zip_bytes
from tests.imagefiles import corrupt_images, jpeg_claiming
from vigil.demo.images import scene
from vigil.index import ExactIndex, PdqIndex
from vigil.scanning.matching import KnownLists
from vigil.scanning.runners.local import ScanRequest, run_scan
from vigil.signals.content import hash_bytes

pytestmark = pytest.mark.slow


def jpeg(im: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def flip_bits(h: str, n: int) -> str:
    return f"{int(h, 16) ^ ((1 << n) - 1):064x}"


def vigil(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("case")
    tree = root / "evidence"
    for sub in ("known", "unknown", "archives"):
        (tree / sub).mkdir(parents=True)
    originals = [scene(100 + i, (480, 360)) for i in range(8)]
    o = {i: jpeg(im) for i, im in enumerate(originals)}
    (tree / "known" / "o0-resized.png").write_bytes(png(originals[0].resize((240, 180))))
    (tree / "known" / "o1-recompressed.jpg").write_bytes(jpeg(originals[1], quality=25))
    (tree / "known" / "o2-rotated.jpg").write_bytes(jpeg(originals[2].rotate(90, expand=True)))
    (tree / "known" / "o3-exact.bin").write_bytes(o[3])  # known by MD5, named to hide it
    (tree / "unknown" / "u4.jpg").write_bytes(o[4])
    w, h = originals[4].size
    (tree / "unknown" / "u4-cropped.jpg").write_bytes(jpeg(originals[4].crop((2, 2, w - 2, h - 2))))
    marked = originals[4].copy()
    ImageDraw.Draw(marked).rectangle((w - 90, h - 30, w - 10, h - 10), fill=(255, 255, 255))
    (tree / "unknown" / "u4-watermarked.jpg").write_bytes(jpeg(marked))
    (tree / "unknown" / "u5.jpg").write_bytes(o[5])
    (tree / "unknown" / "notes.txt").write_text("benign\n")
    inner = zip_bytes({"deep/o0-copy.jpg": o[0], "deep/u6.jpg": o[6]})
    middle = tar_bytes({"level2/inner.zip": inner})
    (tree / "archives" / "case.7z").write_bytes(sevenzip_bytes({"level1/middle.tar.gz": middle}))
    (tree / "archives" / "bomb.zip").write_bytes(zip_bomb())
    (tree / "archives" / "traversal.zip").write_bytes(zip_bytes({"../../evil.jpg": o[7]}))
    (tree / "archives" / "encrypted.zip").write_bytes(mark_zip_encrypted(zip_bytes({"secret.jpg": o[7]})))

    pdq = {i: str(hash_bytes("x.jpg", o[i]).signals.get("pdq")) for i in range(8)}
    # Known list: PDQ of originals 0-2, a decoy 40 bits from u5 (within 'near' only), MD5 of original 3.
    near_decoy = flip_bits(pdq[5], 40)
    PdqIndex.build([pdq[0], pdq[1], pdq[2], near_decoy], ids=[10, 11, 12, 30]).save(root / "pdq.idx")
    ExactIndex.build([hashlib.md5(o[3]).hexdigest()], ids=[20]).save(root / "md5.idx")
    report = root / "report"
    res = vigil(
        "scan", tree, "--report", report, "--index", root / "pdq.idx", "--index", root / "md5.idx", "-j", "2"
    )
    assert res.returncode == 0, res.stderr
    data = json.loads((report / "report.json").read_text())
    items = {
        str(Path(i["path"]).relative_to(tree)) if i["archive"] is None else i["path"][len(str(tree)) + 1 :]: i
        for i in data["items"]
    }
    return {"tree": tree, "root": root, "report": report, "data": data, "items": items}


def test_known_items_matched(case: dict[str, Any]) -> None:
    items = case["items"]
    expected = {
        "known/o0-resized.png": ("pdq", 10),
        "known/o1-recompressed.jpg": ("pdq", 11),
        "known/o2-rotated.jpg": ("pdq", 12),
        "known/o3-exact.bin": ("md5", 20),
        "archives/case.7z!level1/middle.tar.gz!level2/inner.zip!deep/o0-copy.jpg": ("pdq", 10),
    }
    for path, (signal_type, entry) in expected.items():
        item = items[path]
        assert item["status"] == "known", path
        assert (item["matches"][0]["signal_type"], item["matches"][0]["entry_id"]) == (signal_type, entry)
        assert item["rank"] is None and item["cluster"] is None
    assert items["known/o0-resized.png"]["matches"][0]["distance"] <= 31
    assert items["known/o3-exact.bin"]["mime"] == "image/jpeg"
    known = [i for i in items.values() if i["status"] == "known"]
    assert len(known) == 5
    assert case["data"]["known_groups"] == [{"category": "uncategorised", "series": "no series", "count": 5}]


def test_unknown_images_clustered_and_ranked(case: dict[str, Any]) -> None:
    items = case["items"]
    cluster = {p for p, i in items.items() if i["cluster"] == 1}
    assert cluster == {"unknown/u4.jpg", "unknown/u4-cropped.jpg", "unknown/u4-watermarked.jpg"}
    assert case["data"]["clusters"] == [{"id": 1, "size": 3}]
    u5 = items["unknown/u5.jpg"]
    assert u5["rank"] == 1 and u5["near"][0]["entry_id"] == 30 and u5["near"][0]["distance"] == 40
    assert "near a known series" in u5["review_reason"]
    assert sorted(items[p]["rank"] for p in cluster) == [2, 3, 4]
    rest = [p for p, i in items.items() if i["rank"] is not None and i["rank"] > 4]
    assert sorted(rest) == [
        "archives/case.7z!level1/middle.tar.gz!level2/inner.zip!deep/u6.jpg",
        "archives/traversal.zip!../../evil.jpg",
    ]


def test_problems_listed(case: dict[str, Any]) -> None:
    items = case["items"]
    assert "archive refused" in items["archives/bomb.zip"]["error"]
    assert items["archives/encrypted.zip!secret.jpg"]["error"] == "encrypted archive member (no password)"
    assert "path traversal in member name" in items["archives/traversal.zip!../../evil.jpg"]["warnings"]
    assert not (case["tree"].parent / "evil.jpg").exists()
    deep = items["archives/case.7z!level1/middle.tar.gz!level2/inner.zip!deep/u6.jpg"]
    assert deep["depth"] == 3


def test_summary_counts(case: dict[str, Any]) -> None:
    summary = case["data"]["summary"]
    assert summary["known"] == 5
    assert summary["unknown-image"] == 6  # u4 x3, u5, u6, evil.jpg
    assert summary["clusters"] == 1
    assert summary["error"] == 2  # bomb, encrypted member
    assert summary["entries"] == 13  # 4 known, 5 in unknown/, 4 archives
    assert summary["items"] == len(case["data"]["items"])


def test_csv_and_html(case: dict[str, Any]) -> None:
    with (case["report"] / "summary.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == case["data"]["summary"]["items"]
    assert {r["status"] for r in rows} >= {"known", "unknown-image", "archive", "error", "other"}
    page = (case["report"] / "report.html").read_text()
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert page.count("data:image/jpeg;base64,") == 6  # unknown images only, never known ones
    assert "blur(" in page and "grayscale(1)" in page
    assert "archive refused" in page


def test_original_files_untouched(case: dict[str, Any]) -> None:
    report_files = sorted(p.name for p in case["report"].iterdir())
    assert report_files == [
        "checkpoint.json",
        "checkpoint.jsonl",
        "report.html",
        "report.json",
        "summary.csv",
    ]


def test_kill_9_then_resume_gives_same_report(tmp_path: Path) -> None:
    tree = tmp_path / "many"
    tree.mkdir()
    for i in range(120):
        (tree / f"{i:03d}.jpg").write_bytes(jpeg(scene(500 + i, (320, 240))))
    whole = tmp_path / "whole"
    assert vigil("scan", tree, "--report", whole, "-j", "1").returncode == 0
    broken = tmp_path / "broken"
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "scan", str(tree), "--report", str(broken), "-j", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lines = broken / "checkpoint.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if lines.exists() and lines.stat().st_size > 0 and lines.read_bytes().count(b"\n") >= 64:
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (broken / "report.json").exists(), "the scan finished before it could be killed"
    res = vigil("scan", tree, "--report", broken, "-j", "1", "--resume")
    assert res.returncode == 0, res.stderr
    for name in ("report.json", "summary.csv", "report.html"):
        assert (broken / name).read_bytes() == (whole / name).read_bytes(), name
    assert not (broken / "previews.bin").exists()


def test_resume_refuses_other_settings(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "a.jpg").write_bytes(jpeg(scene(1, (64, 64))))
    assert vigil("scan", tree, "--report", tmp_path / "r").returncode == 0
    res = vigil("scan", tree, "--report", tmp_path / "r", "--resume", "--threshold", "10")
    # A checkpoint of another scan is a Conflict: exit 1, one error line.
    assert res.returncode == 1 and "error: " in res.stderr and "other inputs or settings" in res.stderr


def test_thumbnails_made_again_are_the_kept_ones(tmp_path: Path) -> None:
    """Workers keep previews so the report need not decode again; a preview not kept (cap reached) is
    made again from the evidence, archive members included, and must come out the same."""
    tree = tmp_path / "t"
    tree.mkdir()
    for i in range(6):
        (tree / f"{i}.jpg").write_bytes(jpeg(scene(700 + i, (900, 600))))
    (tree / "small.png").write_bytes(png(scene(720, (300, 200))))
    (tree / "set.zip").write_bytes(
        zip_bytes({f"in/{i}.jpg": jpeg(scene(730 + i, (640, 480))) for i in range(3)})
    )
    pages = {}
    for label, cap in (("kept", 64 << 20), ("remade", 0)):
        request = ScanRequest(inputs=[str(tree)], report_dir=tmp_path / label, jobs=1, preview_bytes=cap)
        run_scan(request, KnownLists())
        pages[label] = (tmp_path / label / "report.html").read_text()
        assert not (tmp_path / label / "previews.bin").exists()
    assert pages["kept"].count("data:image/jpeg;base64,") == 10
    assert pages["kept"] == pages["remade"]


def test_report_folder_inside_the_tree_is_not_scanned(tmp_path: Path) -> None:
    """An examiner may put --report inside the evidence folder: the scan must not read its own growing
    checkpoint (at a million files it was the largest file of the tree)."""
    tree = tmp_path / "evidence"
    tree.mkdir()
    (tree / "a.jpg").write_bytes(jpeg(scene(900, (320, 240))))
    (tree / "z.txt").write_text("benign\n")
    report = tree / "report"
    assert vigil("scan", tree, "--report", report).returncode == 0
    items = json.loads((report / "report.json").read_text())["items"]
    assert [(Path(i["path"]).name, i["status"]) for i in items] == [
        ("a.jpg", "unknown-image"),
        ("report", "skipped"),
        ("z.txt", "other"),
    ]
    assert items[1]["warnings"] == ["the scan's own report folder: not scanned"]
    first = (report / "report.json").read_bytes()
    assert vigil("scan", tree, "--report", report, "--resume").returncode == 0
    assert (report / "report.json").read_bytes() == first


def test_corrupt_images_keep_their_digests_in_a_scan(tmp_path: Path) -> None:
    """Issue 20 through `vigil scan`: every corrupt image (AVIF's RuntimeError included) is an error item
    with its digests, inside an archive as well; the JPEG that claims more than it holds is flagged."""
    samples = corrupt_images() | {"liar.jpg": jpeg_claiming(9000, 9000)}
    tree = tmp_path / "evidence"
    tree.mkdir()
    for name, data in samples.items():
        (tree / name).write_bytes(data)
    (tree / "set.zip").write_bytes(zip_bytes({f"in/{n}": d for n, d in samples.items()}))
    report = tmp_path / "report"
    res = vigil("scan", tree, "--report", report, "-j", "2")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    items = json.loads((report / "report.json").read_text())["items"]
    by_name = {Path(i["path"].split("!")[-1]).name + ("@zip" if i["archive"] else ""): i for i in items}
    for name, data in samples.items():
        for key in (name, name + "@zip"):
            item = by_name[key]
            assert item["sha256"] == hashlib.sha256(data).hexdigest(), key
            assert item["md5"] == hashlib.md5(data).hexdigest() and item["size"] == len(data), key
            assert item["status"] == "error", key
            prefix = "truncated image: " if name == "liar.jpg" else "corrupt or truncated image: "
            assert item["error"].startswith(prefix), (key, item["error"])
