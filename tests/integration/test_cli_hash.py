"""The `vigil hash` contract, through the real command in a subprocess."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imagefiles import corrupt_images, jpeg_claiming, png_header_only
from vigil import __version__
from vigil.demo.images import scene

pytestmark = pytest.mark.slow

KEYS = ["path", "size", "md5", "sha1", "sha256", "pdq", "pdq_quality", "vpdq", "vpdq_quality", "error"]


def vigil(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        check=False,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    (root / "b").mkdir()
    for i in range(6):
        scene(i, (320, 240)).save(root / "b" / f"img{i}.jpg", quality=90)
    scene(10, (300, 200)).save(root / "a.png")
    (root / "notes.txt").write_text("benign text\n")
    return root


def parse_jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_version() -> None:
    res = vigil("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"vigil {__version__}"


@pytest.mark.parametrize("command", ["hash", "scan"])
def test_commands_without_lists_load_neither_the_database_nor_the_index(
    command: str, tree: Path, tmp_path: Path
) -> None:
    # SQLAlchemy costs about 0.4 s to import and numba 0.3 s, paid by every call a script makes per file;
    # hashing and a scan without --list need neither.
    args = [str(tree / "a.png")] if command == "hash" else [str(tree / "b"), "--report", str(tmp_path / "r")]
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "vigil", command, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in res.stderr.splitlines() if "|" in line}
    assert "vigil.signals" in imported  # the import log is the one of the command that hashed
    assert not {name for name in imported if name.split(".")[0] in ("sqlalchemy", "numba")}


def test_usage_error_exit_code_2() -> None:
    assert vigil("hash", "--no-such-option", ".").returncode == 2
    assert vigil("hash").returncode == 2
    assert vigil("hash", "--format", "xml", ".").returncode == 2


def test_jsonl_folder_in_sorted_order(tree: Path) -> None:
    res = vigil("hash", "--jobs", "2", str(tree))
    assert res.returncode == 0, res.stderr
    rows = parse_jsonl(res.stdout)
    names = [Path(str(r["path"])).relative_to(tree).as_posix() for r in rows]
    assert names == ["a.png", *(f"b/img{i}.jpg" for i in range(6)), "notes.txt"]
    for row in rows:
        assert list(row) == KEYS
        data = Path(str(row["path"])).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert row["size"] == len(data)
        assert row["error"] is None
    assert rows[-1]["pdq"] is None and all(isinstance(r["pdq"], str) for r in rows[:-1])
    assert res.stderr == ""  # no progress bar when stderr is not a terminal


def test_input_order_is_kept(tree: Path) -> None:
    files = [str(tree / "notes.txt"), str(tree / "b" / "img3.jpg"), str(tree / "a.png")]
    res = vigil("hash", "--jobs", "2", *files)
    assert [r["path"] for r in parse_jsonl(res.stdout)] == files


def test_one_and_two_processes_agree(tree: Path) -> None:
    one = vigil("hash", "--jobs", "1", str(tree))
    two = vigil("hash", "--jobs", "2", str(tree))
    assert one.stdout == two.stdout and one.returncode == two.returncode == 0


def test_exact_and_dihedral(tree: Path) -> None:
    res = vigil("hash", "--exact", "--dihedral", str(tree / "a.png"))
    (row,) = parse_jsonl(res.stdout)
    assert list(row) == [*KEYS, "pdq_dihedral"]
    dih = row["pdq_dihedral"]
    assert isinstance(dih, list) and len(dih) == 8 and dih[0] == row["pdq"]


def test_csv_and_table(tree: Path) -> None:
    res = vigil("hash", "--format", "csv", str(tree / "b"))
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == KEYS and len(rows) == 6
    table = vigil("hash", "--format", "table", str(tree / "a.png"))
    assert table.returncode == 0 and "a.png" in table.stdout


def test_bad_input_gives_per_file_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    scene(1, (320, 240)).save(good, quality=90)
    data = good.read_bytes()
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (tmp_path / "bomb.png").write_bytes(png_header_only(100_000, 100_000))
    (tmp_path / "text.jpg").write_text("I am not a picture\n")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    os.mkfifo(tmp_path / "zfifo")
    res = vigil("hash", "--jobs", "2", str(tmp_path), str(tmp_path / "missing.png"))
    assert res.returncode == 1
    rows = {Path(str(r["path"])).name: r for r in parse_jsonl(res.stdout)}
    assert rows["good.jpg"]["error"] is None and rows["good.jpg"]["pdq"]
    expected = {
        "empty.jpg": "empty file",
        "truncated.jpg": "truncated",
        "bomb.png": "decompression bomb",
        "text.jpg": "not an image",
        "loop1": "symlink loop",
        "loop2": "symlink loop",
        "zfifo": "FIFO",
        "missing.png": "no such file",
    }
    for name, reason in expected.items():
        assert reason in str(rows[name]["error"]), (name, rows[name])
    assert rows["truncated.jpg"]["sha256"] == hashlib.sha256(data[: len(data) // 3]).hexdigest()


def test_corrupt_images_of_every_codec_keep_their_digests(tmp_path: Path) -> None:
    """Issue 20: whatever the codec raises (AVIF: RuntimeError), the file keeps MD5/SHA and is called a
    corrupt image; a JPEG claiming far more pixels than it holds is flagged, its hash kept."""
    samples = corrupt_images() | {"liar.jpg": jpeg_claiming(9000, 9000)}
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
    res = vigil("hash", "--jobs", "2", str(tmp_path))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    rows = {Path(str(r["path"])).name: r for r in parse_jsonl(res.stdout)}
    assert set(rows) == set(samples)
    for name, data in samples.items():
        row = rows[name]
        assert row["size"] == len(data)
        assert row["md5"] == hashlib.md5(data).hexdigest()
        assert row["sha1"] == hashlib.sha1(data).hexdigest()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        if name == "liar.jpg":
            assert str(row["error"]).startswith("truncated image: "), row
            assert row["pdq"] and row["pdq_quality"] == 0
        else:
            assert str(row["error"]).startswith("corrupt or truncated image: "), row
            assert row["pdq"] is None


@pytest.mark.slow
def test_videos_get_their_vpdq(tmp_path: Path) -> None:
    """A generated clip: digests and vPDQ (one frame a second, or as asked); a corrupt copy keeps its
    digests and says why it has no vPDQ."""
    from tests.videofiles import clip

    data = clip(30, 10)
    (tmp_path / "clip.mp4").write_bytes(data)
    (tmp_path / "cut.mp4").write_bytes(data[:300])
    out = vigil("hash", str(tmp_path))
    assert out.returncode == 1  # the cut copy failed
    rows = {Path(r["path"]).name: r for r in map(json.loads, out.stdout.splitlines())}
    good, cut = rows["clip.mp4"], rows["cut.mp4"]
    assert list(good) == KEYS
    assert good["error"] is None and good["pdq"] is None and good["sha256"]
    assert [line.split(",")[0] for line in good["vpdq"].split("\n")] == ["0", "10", "20"]
    assert 50 <= good["vpdq_quality"] <= 100
    assert cut["vpdq"] is None and cut["sha256"] and "video" in cut["error"]
    every = vigil("hash", "--seconds-per-hash", "0", str(tmp_path / "clip.mp4"))
    assert every.returncode == 0
    assert len(json.loads(every.stdout)["vpdq"].split("\n")) == 30
    table = vigil("hash", "--format", "table", str(tmp_path / "clip.mp4"))
    assert table.returncode == 0 and "3 frames" in table.stdout
    bad = vigil("hash", "--seconds-per-hash", "-1", str(tmp_path / "clip.mp4"))
    assert bad.returncode == 2
