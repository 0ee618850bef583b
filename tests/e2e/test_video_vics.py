"""End to end through the ``vigil`` command: a VICS file with a video entry (its vPDQ as the VPDQ
alternative hash) and a malformed one is imported (the malformed one rejected with its reason, nothing
of it stored), published and exported; the export carries the video's vPDQ, and importing it again
changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.hashlists.helpers import fake_hashes, vics_media, write_vics

VPDQ = (
    "0,100,6c6cf76cd593f76cf57cd5d3ff6cd55dd19388932a2c2aa80893226408990893,0.000\n"
    "10,90,8752df53d5e1d5e3ffd7fd7ff57ef55e68ad20a9201e221c202c20282a422a81,1.000"
)


@pytest.mark.slow
def test_vics_video_entry_import_then_export(tmp_path: Path) -> None:
    """On SQLite (the integration tests run the same on PostgreSQL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_DATA_DIR"] = str(tmp_path / "data")

    def _vigil(*args: str | Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "vigil", *map(str, args)]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, env=env)

    assert _vigil("db", "upgrade").returncode == 0
    alt = [{"HashName": "vPDQ", "HashValue": VPDQ}]
    bad = [{"HashName": "VPDQ", "HashValue": "12,nope"}]
    source = write_vics(
        tmp_path / "in.json",
        [
            vics_media("clip", 0, MimeType="video/mp4", AlternativeHashes=alt),
            vics_media("bad", 0, MimeType="video/mp4", AlternativeHashes=bad),
        ],
    )
    common = ("--format", "vics", "--contributor", "Hotline", "--kind", "hotline", "--country", "NL")
    done = _vigil("lists", "import", source, *common, "--list", "videos")
    assert done.returncode == 0, done.stderr
    assert "added 1, merged 0, skipped 0, rejected 1" in done.stdout
    assert "AlternativeHashes 'VPDQ': not a vPDQ hash" in done.stdout
    assert _vigil("lists", "publish", "videos").returncode == 0
    exported = tmp_path / "out.json"
    done = _vigil("lists", "export", "videos", "--format", "vics", "-o", exported)
    assert done.returncode == 0, done.stderr
    (media,) = json.loads(exported.read_text())["value"]
    clip = fake_hashes("clip")
    assert (media["MD5"], media["SHA1"]) == (clip["md5"].upper(), clip["sha1"].upper())
    assert media["AlternativeHashes"] == [{"MD5": clip["md5"].upper(), "HashName": "VPDQ", "HashValue": VPDQ}]
    again = _vigil("lists", "import", exported, *common)
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stdout and "skipped 1" in again.stdout
