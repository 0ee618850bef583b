"""``--runner ray`` end to end: ``vigil hash`` and ``vigil scan`` as drivers of one Ray instance
shared by this file's tests (started once: Ray takes seconds to start), with the same output as the
local runner byte for byte; a killed driver resumed; objects of an S3-compatible server as inputs.

The Ray instance listens on loopback, with usage statistics off and no dashboard; its workers inherit
the S3 test server's settings (set in this process while Ray starts)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.s3_server import S3Server, s3_server
from tests.videofiles import clip
from vigil.demo.images import scene
from vigil.index import ExactIndex, PdqIndex
from vigil.signals.content import hash_file

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray") if not os.environ.get("CI") else __import__("ray")


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with s3_server() as s:
        yield s


@pytest.fixture(scope="module")
def cluster(server: S3Server) -> Iterator[str]:
    """The address of a Ray started for this file (2 CPUs, a small object store)."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    saved = {k: os.environ.get(k) for k in server.env}
    os.environ.update(server.env)  # inherited by Ray's processes, hence by its workers
    try:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=200 * 1024 * 1024,
            _node_ip_address="127.0.0.1",
            _temp_dir=tempfile.mkdtemp(prefix="vray"),  # short: Ray's socket paths must fit 107 bytes
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory, server: S3Server) -> Path:
    root = tmp_path_factory.mktemp("raytree")
    (root / "b").mkdir()
    for i in range(70):
        scene(900 + i, (96, 72)).save(root / "b" / f"img{i:02d}.jpg", quality=90)
    scene(990, (300, 200)).save(root / "a.png")
    (root / "notes.txt").write_text("benign text\n")
    (root / "clip.mp4").write_bytes(clip(frames=20, fps=10))  # a video: its vPDQ and strip on Ray too
    server.upload_tree("raybucket", root)
    return root


@pytest.fixture(scope="module")
def indexes(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("rayidx")
    pdq = [str(hash_file(str(tree / "b" / f"img{i:02d}.jpg")).signals.get("pdq")) for i in (3, 30, 60)]
    PdqIndex.build(pdq, ids=[3, 30, 60]).save(folder / "pdq.idx")
    ExactIndex.build([hashlib.md5((tree / "notes.txt").read_bytes()).hexdigest()], ids=[7]).save(
        folder / "md5.idx"
    )
    return ["--index", str(folder / "pdq.idx"), "--index", str(folder / "md5.idx")]


def vigil(server: S3Server, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=server.environ(),
    )


def test_hash_on_ray_writes_what_the_local_runner_writes(server: S3Server, cluster: str, tree: Path) -> None:
    # Files and the same files as objects of the S3 server: the workers stream them themselves.
    inputs = (tree, "s3://raybucket/b/", "--dihedral")
    local = vigil(server, "hash", *inputs, "-j", "2")
    on_ray = vigil(server, "hash", *inputs, "--runner", "ray", "--ray-address", cluster)
    assert on_ray.returncode == 0, on_ray.stderr
    assert on_ray.stdout == local.stdout
    assert on_ray.stdout.count("\n") == 73 + 70 and on_ray.stdout.count('"error": null') == 143


@pytest.fixture(scope="module")
def local_scan(
    server: S3Server, tree: Path, indexes: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    report = tmp_path_factory.mktemp("rayscan") / "local"
    assert vigil(server, "scan", tree, "--report", report, *indexes, "-j", "2").returncode == 0
    return report


def test_scan_on_ray_gives_the_same_report_and_checkpoint(
    server: S3Server, cluster: str, tree: Path, indexes: list[str], local_scan: Path, tmp_path: Path
) -> None:
    res = vigil(
        server,
        "scan",
        tree,
        "--report",
        tmp_path / "ray",
        *indexes,
        "--runner",
        "ray",
        "--ray-address",
        cluster,
    )
    assert res.returncode == 0, res.stderr
    for name in ("checkpoint.jsonl", "report.json", "summary.csv", "report.html"):
        assert (tmp_path / "ray" / name).read_bytes() == (local_scan / name).read_bytes(), name
    assert b'"entry_id": 30' in (tmp_path / "ray" / "report.json").read_bytes()
    assert b'"video": {"frames": 20' in (tmp_path / "ray" / "report.json").read_bytes()


def test_killed_driver_resumes(
    server: S3Server, cluster: str, tree: Path, indexes: list[str], local_scan: Path, tmp_path: Path
) -> None:
    whole, broken = local_scan, tmp_path / "broken"
    ray_args = ("--runner", "ray", "--ray-address", cluster, "--thumbnails", "200")
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "scan", str(tree), "--report", str(broken), *indexes, *ray_args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=server.environ(),
    )
    lines = broken / "checkpoint.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        # The first 64 entries are checkpointed together: kill between them and the last 8.
        if lines.exists() and lines.read_bytes().count(b"\n") >= 64:
            break
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (broken / "report.json").exists(), "the scan finished before it could be killed"
    res = vigil(server, "scan", tree, "--report", broken, *indexes, "--resume", *ray_args)
    assert res.returncode == 0, res.stderr
    for name in ("report.json", "summary.csv", "report.html"):
        assert (broken / name).read_bytes() == (whole / name).read_bytes(), name
