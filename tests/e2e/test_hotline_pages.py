"""Acceptance of issue 12 (parts 1 and 3), through public interfaces only: the ``vigil`` command as
subprocesses, the HTTP API of a real ``vigil serve``, a real SMTP server (aiosmtpd), a DNS server and a
web site on loopback.

A page embedding a re-encoded, resized copy of a listed picture (a generated, benign one) is reported
through the API; ``vigil hotline sweep`` (one shot) or ``vigil hotline worker`` (the queue's consumer)
follows the page, recognises the copy by PDQ through the published list and notifies the host: no
analyst step. The case page (API and ``vigil hotline case``) names the item that matched.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.integration.hotline.parts import smtp_server, write_directory, write_images
from tests.integration.hotline.servers import Page, dns_server, free_port, http_site
from vigil.demo.seed import hash_listing

VIGIL = [sys.executable, "-m", "vigil"]
CONTRIBUTOR = "Test hotline"


def vigil(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*VIGIL, *args], check=False, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"vigil {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done


@contextmanager
def running(env: dict[str, str], *args: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen([*VIGIL, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def wait_for(check: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except httpx.TransportError:
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def cli_state(env: dict[str, str], case_id: int) -> str:
    state: str = json.loads(vigil(env, "hotline", "case", str(case_id), "--json").stdout)["state"]
    return state


def resized_copy(path: Path) -> bytes:
    out = io.BytesIO()
    Image.open(path).resize((272, 204)).save(out, "JPEG", quality=72)
    return out.getvalue()


@pytest.mark.parametrize("runner", ["sweep", "worker"])
def test_a_page_embedding_a_listed_picture_is_notified_without_an_analyst(
    runner: str, tmp_path: Path
) -> None:
    listed, other = write_images(tmp_path / "img", [121, 122])
    copy = resized_copy(listed)
    with (
        smtp_server() as inbox,
        http_site() as site,
        dns_server({"pics.example": ["127.0.0.1"], "good.example": ["127.0.0.1"]}) as dns_port,
    ):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")},
            "VIGIL_DATA_DIR": str(tmp_path / "data"),
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
        # The hash database: the picture's hashes labelled vics-us 1 (illegal under 'us'), published.
        vigil(env, "db", "upgrade")
        listing = hash_listing([listed], tmp_path / "listing.csv")
        vigil(env, "lists", "import", str(listing), "--format", "csv", "--contributor", CONTRIBUTOR,
              "--kind", "hotline", "--country", "US")  # fmt: skip
        vigil(env, "lists", "create", "hotline", "--contributor", CONTRIBUTOR, "--category", "vics-us:1")
        vigil(env, "lists", "publish", "hotline")
        analyst = vigil(env, "users", "add", "ana", "--role", "analyst").stdout.strip()
        auth = {"Authorization": f"Bearer {analyst}"}

        # The page: another picture, a link to a page, and the copy on an image host, by srcset.
        site.put("good.example", "/holiday.jpg", Page(body=other.read_bytes()))
        site.put("pics.example", "/p/7.jpg", Page(body=copy, headers={"Content-Type": "image/jpeg"}))
        copy_url = site.url("pics.example", "/p/7.jpg")
        page_url = site.put(
            "good.example",
            "/gallery/",
            Page(
                body=f"""<!doctype html><html><body><h1>Gallery</h1>
                <img src="/holiday.jpg" alt="">
                <a href="/gallery/2/">next</a>
                <picture><source srcset="{copy_url} 1x"><img src="/lowres.jpg"></picture>
                </body></html>""".encode(),
                headers={"Content-Type": "text/html; charset=utf-8"},
            ),
        )

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with running(env, "serve", "--port", str(port), "--no-access-log", log=tmp_path / "serve.log"):
            wait_for(lambda: httpx.get(f"{base}/api/v1/health/ready").status_code == 200, "vigil serve")
            answer = httpx.post(f"{base}/api/v1/reports", json={"url": page_url}, headers=auth)
            assert answer.status_code == 201, answer.text
            case_id = answer.json()["case_id"]

            def case() -> dict[str, Any]:
                response = httpx.get(f"{base}/api/v1/cases/{case_id}", headers=auth)
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                return body

            if runner == "sweep":
                assert vigil(env, "hotline", "sweep").stdout.strip() == "cases worked: 1"
            else:
                # Watched through the CLI while the worker writes: each API read is journalled, and
                # concurrent journal writers are issue 12's part 2, tested on their own.
                with running(env, "hotline", "worker", log=tmp_path / "worker.log"):
                    wait_for(lambda: cli_state(env, case_id) == "notified", "the worker to work the case")
                    wait_for(lambda: inbox.to("abuse@good.example"), "the notice to leave")
            view = case()
            queue = httpx.get(f"{base}/api/v1/reports/queue", headers=auth)
            assert queue.status_code == 200 and queue.json() == []

        assert view["state"] == "notified", view
        [assessment] = view["assessments"]
        assert (assessment["assessed_by"], assessment["scheme"], assessment["category"]) == (
            "hashdb",
            "vics-us",
            "1",
        )
        outcomes = {item["url"]: item["outcome"] for item in view["items"]}
        assert outcomes == {
            site.url("good.example", "/holiday.jpg"): "unknown",
            copy_url: "known",
            site.url("good.example", "/lowres.jpg"): "failed",
        }
        matched = view["matched_item"]
        assert matched["url"] == copy_url and matched["matched_on"] == "pdq" and 0 < matched["distance"] <= 31
        assert matched["media_id"] == view["media_id"] == assessment["media_id"]
        # The case page is an allow-list: no notice body or signature, no sealed material.
        assert all(set(n) & {"body", "signature"} == set() for n in view["notices"])
        assert "sealed_signals" not in json.dumps(view)
        mails = inbox.to("abuse@good.example")
        assert len(mails) == 1 and page_url in mails[0].body

    shown = vigil(env, "hotline", "case", str(case_id)).stdout
    assert f"matched item #{matched['position']}: {copy_url} (pdq, distance {matched['distance']})" in shown
    assert f"case {case_id}: notified\n" in shown
    as_json = json.loads(vigil(env, "hotline", "case", str(case_id), "--json").stdout)
    assert as_json["matched_item"]["url"] == copy_url
