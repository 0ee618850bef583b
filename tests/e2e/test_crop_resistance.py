"""End to end through the ``vigil`` command and a real ``vigil serve``: a cropped and a bordered copy of a
known benign picture are found by ``vigil scan --index`` through a ``pdq_regions`` index built by ``vigil
index build`` from what ``vigil hash`` wrote, where PDQ alone misses them; a cropped copy of a listed one is
found by the content lookup and by the hotline."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.e2e.test_hotline_pages import CONTRIBUTOR, running, vigil, wait_for
from tests.integration.hotline.parts import smtp_server, write_directory, write_images
from tests.integration.hotline.servers import Page, dns_server, free_port, http_site
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
    assert all(len(r["pdq_regions"]) == 4 * 64 for r in rows)
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


@pytest.mark.slow
def test_lookup_and_hotline_find_a_cropped_copy_of_a_listed_picture(tmp_path: Path) -> None:
    """With ``VIGIL_PDQ_REGIONS`` on: a listing made by ``vigil hash`` (its ``pdq_regions`` column read by
    ``vigil lists import``), then a real ``vigil serve``: ``POST /api/v1/lookup/content`` finds a copy
    cropped by 10 % on each side, and the hotline, following a reported page that embeds the copy,
    recognises it by its regions and notifies the host."""
    listed, other = write_images(tmp_path / "img", [131, 132])
    with Image.open(listed) as picture:
        w, h = picture.size
        copy = _jpeg(picture.crop((w // 10, h // 10, w - w // 10, h - h // 10)), 80)
    with (
        smtp_server() as inbox,
        http_site() as site,
        dns_server({"pics.example": ["127.0.0.1"], "good.example": ["127.0.0.1"]}) as dns_port,
    ):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")},
            "VIGIL_DATA_DIR": str(tmp_path / "data"),
            "VIGIL_PDQ_REGIONS": "true",
            "VIGIL_HOTLINE_COUNTRY": "US",
            "VIGIL_HOTLINE_JURISDICTION": "us",
            "VIGIL_HOTLINE_DIRECTORY": str(write_directory(tmp_path / "directory.toml")),
            "VIGIL_HOTLINE_FETCH_ALLOW": '["127.0.0.1/32"]',
            "VIGIL_HOTLINE_DNS_NAMESERVERS": '["127.0.0.1"]',
            "VIGIL_HOTLINE_DNS_PORT": str(dns_port),
            "VIGIL_HOTLINE_SMTP_HOST": "127.0.0.1",
            "VIGIL_HOTLINE_SMTP_PORT": str(inbox.port),
            "VIGIL_HOTLINE_MAIL_FROM": "hotline@vigil.example",
            "VIGIL_API_RATE_PER_SECOND": "0",
        }
        vigil(env, "db", "upgrade")
        # The listing: what `vigil hash` wrote, labelled vics-us 1 (a label on a generated picture).
        [row] = [
            json.loads(line)
            for line in vigil(env, "hash", "--format", "jsonl", str(listed)).stdout.splitlines()
        ]
        assert len(row["pdq_regions"]) == 4 * 64
        listing = tmp_path / "listing.csv"
        listing.write_text(
            "sha256,pdq,pdq_regions,category,scheme\n"
            f"{row['sha256']},{row['pdq']},{row['pdq_regions']},1,vics-us\n"
        )
        vigil(env, "lists", "import", str(listing), "--format", "csv", "--contributor", CONTRIBUTOR,
              "--kind", "hotline", "--country", "US")  # fmt: skip
        vigil(env, "lists", "create", "hotline", "--contributor", CONTRIBUTOR, "--category", "vics-us:1")
        vigil(env, "lists", "publish", "hotline")
        analyst = vigil(env, "users", "add", "ana", "--role", "analyst").stdout.strip()
        auth = {"Authorization": f"Bearer {analyst}"}

        site.put("good.example", "/holiday.jpg", Page(body=other.read_bytes()))
        site.put("pics.example", "/p/8.jpg", Page(body=copy, headers={"Content-Type": "image/jpeg"}))
        copy_url = site.url("pics.example", "/p/8.jpg")
        page_url = site.put(
            "good.example",
            "/gallery/",
            Page(
                body=f"""<!doctype html><html><body><img src="/holiday.jpg" alt="">
                <img src="{copy_url}" alt=""></body></html>""".encode(),
                headers={"Content-Type": "text/html; charset=utf-8"},
            ),
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with running(env, "serve", "--port", str(port), "--no-access-log", log=tmp_path / "serve.log"):
            wait_for(lambda: httpx.get(f"{base}/api/v1/health/ready").status_code == 200, "vigil serve")
            files = {"file": ("copy.jpg", copy, "image/jpeg")}
            looked = httpx.post(f"{base}/api/v1/lookup/content", files=files, headers=auth, timeout=60)
            assert looked.status_code == 200, looked.text
            body = looked.json()
            assert body["signals"]["pdq_regions"]
            assert [(m["list"], m["category"]) for m in body["matches"]] == [("hotline", "1")]
            assert 0 < body["matches"][0]["distance"] <= 24
            unknown = httpx.post(
                f"{base}/api/v1/lookup/content",
                files={"file": ("other.jpg", other.read_bytes(), "image/jpeg")},
                headers=auth,
                timeout=60,
            )
            assert unknown.status_code == 200 and unknown.json()["matches"] == []

            answer = httpx.post(f"{base}/api/v1/reports", json={"url": page_url}, headers=auth)
            assert answer.status_code == 201, answer.text
            case_id = answer.json()["case_id"]
            assert vigil(env, "hotline", "sweep").stdout.strip() == "cases worked: 1"
            view = httpx.get(f"{base}/api/v1/cases/{case_id}", headers=auth).json()

        assert view["state"] == "notified", view
        outcomes = {item["url"]: item["outcome"] for item in view["items"]}
        assert outcomes == {site.url("good.example", "/holiday.jpg"): "unknown", copy_url: "known"}
        matched = view["matched_item"]
        assert (matched["url"], matched["matched_on"]) == (copy_url, "pdq_regions")
        assert 0 < matched["distance"] <= 24
        [assessment] = view["assessments"]
        assert (assessment["scheme"], assessment["category"]) == ("vics-us", "1")
        assert len(inbox.to("abuse@good.example")) == 1
