"""`vigil scan --list NAME`: matching against a published list of the hash database, end to end."""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from vigil.config import Settings
from vigil.db.session import make_engine, make_session_factory
from vigil.demo.images import scene
from vigil.index import load_index
from vigil.scanning.known_lists import known_from_list
from vigil.scanning.pipeline import ScanOptions, scan_bytes
from vigil.scanning.shipped import ship, unship
from vigil.signals.content import hash_bytes

pytestmark = pytest.mark.slow


def jpeg(seed: int, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    scene(seed, (400, 300)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def vigil(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def test_scan_against_published_list(tmp_path: Path) -> None:
    env = {**os.environ, "VIGIL_DATA_DIR": str(tmp_path / "data")}
    env.pop("VIGIL_DATABASE_URL", None)
    known = {seed: jpeg(seed) for seed in (1, 2)}
    listing = tmp_path / "known.csv"
    with listing.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["sha256", "md5", "pdq", "category", "scheme"])
        for seed, data in known.items():
            signals = hash_bytes("k.jpg", data)
            writer.writerow(
                [
                    signals.signals.get("sha256"),
                    signals.signals.get("md5"),
                    signals.signals.get("pdq"),
                    str(seed),
                    "vics-us",
                ]
            )
    assert vigil(env, "db", "upgrade").returncode == 0
    imported = vigil(env, "lists", "import", listing, "--format", "csv", "--contributor", "demo-hotline",
                     "--kind", "hotline", "--country", "NL", "--list", "demo")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert vigil(env, "lists", "publish", "demo").returncode == 0

    tree = tmp_path / "evidence"
    tree.mkdir()
    (tree / "copy-of-1.jpg").write_bytes(known[1])  # identical bytes: digest match
    (tree / "recompressed-2.jpg").write_bytes(jpeg(2, quality=30))  # PDQ match only
    (tree / "new.jpg").write_bytes(jpeg(3))
    report = tmp_path / "report"
    res = vigil(env, "scan", tree, "--report", report, "--list", "demo", "-j", "1")
    assert res.returncode == 0, res.stderr
    data = json.loads((report / "report.json").read_text())
    items = {Path(i["path"]).name: i for i in data["items"]}
    first = items["copy-of-1.jpg"]
    assert first["status"] == "known"
    # One match per entry: the digest, checked first, stands for the PDQ match of the same entry.
    assert [(m["signal_type"], m["distance"]) for m in first["matches"]] == [("sha256", 0)]
    assert first["matches"][0]["list_name"] == "demo" and first["matches"][0]["category"] == "vics-us:1"
    second = items["recompressed-2.jpg"]
    assert second["status"] == "known" and second["matches"][0]["signal_type"] == "pdq"
    assert second["matches"][0]["category"] == "vics-us:2"
    assert items["new.jpg"]["status"] == "unknown-image"
    assert data["scan"]["lists"] == "demo"
    assert {(g["category"], g["count"]) for g in data["known_groups"]} == {("vics-us:1", 1), ("vics-us:2", 1)}

    # The same list as standalone index files keyed by entry id (vigil index build --list).
    entry_of_1 = first["matches"][0]["entry_id"]
    for signal, value in (
        ("sha256", hash_bytes("k", known[1]).signals.get("sha256")),
        ("pdq", hash_bytes("k.jpg", known[1]).signals.get("pdq")),
    ):
        out = tmp_path / f"demo-{signal}.idx"
        built = vigil(env, "index", "build", "--list", "demo", "--signal", signal, "-o", out)
        assert built.returncode == 0, built.stderr
        index = load_index(out)
        assert len(index) == 2
        assert [m.id for m in index.query(str(value), threshold=0)] == [entry_of_1]
    assert vigil(env, "index", "build", "--list", "nope", "-o", tmp_path / "x.idx").returncode != 0

    missing = vigil(env, "scan", tree, "--report", tmp_path / "r2", "--list", "nope")
    assert missing.returncode == 1 and "no published version" in missing.stderr  # NotFound

    # A remote runner's workers get the published list as shipped arrays (scanning/shipped.py): after a
    # trip through pickle, as through an object store, they match exactly as the mapped list does.
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    mapped = known_from_list(make_session_factory(make_engine(settings)), settings.list_snapshot_dir, "demo")
    shipped = ship(mapped)
    assert shipped is not None
    remote = unship(pickle.loads(pickle.dumps(shipped)))
    files = sorted(tree.iterdir())
    want = [i for n, p in enumerate(files) for i in scan_bytes(n, p.name, p.read_bytes(), ScanOptions())]
    got = [i for n, p in enumerate(files) for i in scan_bytes(n, p.name, p.read_bytes(), ScanOptions())]
    mapped.match(want, 31, 48)
    remote.match(got, 31, 48)
    assert [i.to_json() for i in got] == [i.to_json() for i in want]
    assert [m.category for i in got for m in i.matches] == ["vics-us:1", "vics-us:2"]
