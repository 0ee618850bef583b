"""End to end through the ``vigil`` command: a cropped and a bordered copy of a known benign picture are
found by ``vigil scan --index`` through a ``pdq_regions`` index built by ``vigil index build`` from what
``vigil hash`` wrote, where PDQ alone misses them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from vigil.demo.images import scene


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _vigil(*args: str | Path, regions: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIGIL_PDQ_REGIONS": "true" if regions else "false"}
    return subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip


@pytest.mark.slow
def test_scan_finds_reframed_copies_by_pdq_regions(tmp_path: Path) -> None:
    known_dir, seized = tmp_path / "known", tmp_path / "seized"
    known_dir.mkdir()
    seized.mkdir()
    pictures = [scene(40 + i, (800, 600)) for i in range(3)]
    for n, picture in enumerate(pictures):
        (known_dir / f"k{n}.jpg").write_bytes(_jpeg(picture))
    w, h = pictures[0].size
    (seized / "cropped.jpg").write_bytes(_jpeg(pictures[0].crop((80, 60, w - 80, h - 60)), 75))
    bordered = Image.new("RGB", (w + 160, h + 120), (0, 0, 0))
    bordered.paste(pictures[1], (80, 60))
    (seized / "bordered.jpg").write_bytes(_jpeg(bordered, 75))
    (seized / "other.jpg").write_bytes(_jpeg(scene(99, (800, 600))))

    hashed = _vigil("hash", "--format", "jsonl", known_dir)
    assert hashed.returncode == 0, hashed.stderr
    rows = [json.loads(line) for line in hashed.stdout.splitlines()]
    assert all(len(r["pdq_regions"]) == 3 * 64 for r in rows)
    ids = {Path(r["path"]).name: 100 + int(Path(r["path"]).stem[1:]) for r in rows}
    (tmp_path / "pdq_regions.txt").write_text(
        "".join(f"{r['pdq_regions']},{ids[Path(r['path']).name]}\n" for r in rows)
    )
    (tmp_path / "pdq.txt").write_text("".join(f"{r['pdq']},{ids[Path(r['path']).name]}\n" for r in rows))
    for signal in ("pdq_regions", "pdq"):
        built = _vigil(
            "index",
            "build",
            "--signal",
            signal,
            "-o",
            tmp_path / f"{signal}.vidx",
            tmp_path / f"{signal}.txt",
        )
        assert built.returncode == 0, built.stderr

    def scan(*indexes: str) -> dict[str, list[dict[str, object]]]:
        report = tmp_path / f"report-{'-'.join(indexes)}"
        args = [a for i in indexes for a in ("--index", tmp_path / f"{i}.vidx")]
        res = _vigil("scan", seized, "--report", report, "-j", "1", *args)
        assert res.returncode == 0, res.stderr
        data = json.loads((report / "report.json").read_text())
        return {Path(i["path"]).name: i["matches"] for i in data["items"]}

    with_regions = scan("pdq", "pdq_regions")
    assert [(m["signal_type"], m["entry_id"]) for m in with_regions["cropped.jpg"]] == [("pdq_regions", 100)]
    assert [(m["signal_type"], m["entry_id"]) for m in with_regions["bordered.jpg"]] == [("pdq_regions", 101)]
    assert with_regions["other.jpg"] == []
    # PDQ alone misses both copies: the region signal is what finds them
    pdq_only = scan("pdq")
    assert pdq_only["cropped.jpg"] == [] and pdq_only["bordered.jpg"] == []
