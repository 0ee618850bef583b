"""Acceptance of issue 15 (dashboards, hash database), through public interfaces only: the ``vigil``
command as subprocesses and a real ``vigil serve``. An industry member's lookups through the API are
counted by the server and appear on the console's dashboards per member and day; an analyst signed in
to the console (password and TOTP) finds a listed item by hash and by file, and votes on it."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_hotline_pages import VIGIL, vigil
from tests.integration.console.helpers import PASSWORD, field, sign_in
from tests.integration.hotline.parts import write_images
from tests.served_vigil import vigil_serve
from vigil.demo.seed import hash_listing
from vigil.signals.content import HashOptions, hash_bytes

pytestmark = pytest.mark.slow
CONTRIBUTOR = "Test hotline"


def test_lookups_reach_the_dashboards_and_the_hash_database_pages(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")},
        "VIGIL_DATA_DIR": str(tmp_path / "data"),
        "VIGIL_API_RATE_PER_SECOND": "0",
        "VIGIL_LOOKUP_COUNT_FLUSH_SECONDS": "0.2",
        "VIGIL_CONSOLE_DASHBOARD_CACHE_SECONDS": "0",
    }
    (picture,) = write_images(tmp_path / "img", [3])  # a generated, benign picture
    signals = hash_bytes(picture.name, picture.read_bytes(), HashOptions()).signals
    vigil(env, "db", "upgrade")
    listing = hash_listing([picture], tmp_path / "listing.csv")
    vigil(env, "lists", "import", str(listing), "--format", "csv", "--contributor", CONTRIBUTOR,
          "--kind", "hotline", "--country", "US")  # fmt: skip
    vigil(env, "lists", "create", "pictures", "--contributor", CONTRIBUTOR, "--category", "vics-us:1",
          "--recipient", "member")  # fmt: skip
    vigil(env, "lists", "publish", "pictures")
    member = vigil(env, "users", "add", "shop", "--role", "member").stdout.strip()
    vigil(env, "users", "add", "ana", "--role", "analyst")
    done = subprocess.run(
        [*VIGIL, "users", "password", "ana", "--password-stdin"],
        input=f"{PASSWORD}\n",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr

    serving = vigil_serve(env, tmp_path / "serve.log")
    with serving as base, httpx.Client(base_url=base, follow_redirects=True) as client:
        api = {"Authorization": f"Bearer {member}"}
        deadline = time.monotonic() + 60
        while (
            client.get(f"/api/v1/lookup?signal_type=md5&signal={signals.get('md5')}", headers=api).status_code
            != 200
        ):
            assert time.monotonic() < deadline, "the lists never loaded"
            time.sleep(0.2)
        answer = client.get(f"/api/v1/lookup?signal_type=md5&signal={signals.get('md5')}", headers=api).json()
        assert [m["list"] for m in answer["matches"]] == ["pictures"]
        batch = {"signals": [{"signal_type": "md5", "signal": signals.get("md5")}] * 3}
        assert client.post("/api/v1/lookup/batch", json=batch, headers=api).status_code == 200
        counted = 1 + 1 + 3  # answered lookups only: those refused while the lists loaded do not count

        assert sign_in(client, "ana", {}).status_code == 200
        deadline = time.monotonic() + 30
        while True:
            page = client.get("/console/dashboards")
            assert page.status_code == 200
            found = re.search(r"<td>shop</td><td>(\d+)</td>", page.text)
            if found and int(found.group(1)) >= counted:
                assert int(found.group(1)) == counted
                break
            assert time.monotonic() < deadline, "the member's lookups never reached the dashboards"
            time.sleep(0.3)
        assert page.text.count("<svg") == 8

        search = client.get("/console/media", params={"type": "pdq", "q": signals.get("pdq")})
        item = re.search(r'href="/console/media/(\d+)"', search.text)
        assert item, search.text[-2000:]
        upload = client.post(
            "/console/media/lookup",
            data={"csrf": field(search.text, "csrf")},
            files={"file": ("copy.jpg", picture.read_bytes(), "image/jpeg")},
        )
        assert f'href="/console/media/{item.group(1)}"' in upload.text
        form = {"category": "vics-us:2", "contributor": CONTRIBUTOR, "csrf": field(search.text, "csrf")}
        voted = client.post(f"/console/media/{item.group(1)}/vote", data=form)
        assert voted.status_code == 200 and "<td>ana</td>" in voted.text
