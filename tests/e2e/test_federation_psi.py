"""Issue 17, private set intersection, through public interfaces only: two instances, each with its own
database (one SQLite, the other PostgreSQL), each served by ``vigil serve`` on loopback, compare
their holdings with ``vigil psi compare`` in both directions. Each learns the common digests and series
(the initiator) or only their count (the responder); both journals say so and still verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.db_fixtures import db_settings  # noqa: F401 - the fixture
from tests.e2e.instances import Instance
from tests.integration.federation.holdings import two_holdings, write_csv
from vigil.config import Settings


def _compared(base: str, admin: str) -> list[dict[str, Any]]:
    """The journal's PSI comparisons, read over the API by an admin."""
    answer = httpx.get(
        f"{base}/api/v1/audit", params={"limit": 1000}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["entries"] if e["action"] == "federation.psi.compare"]


@pytest.mark.slow
@pytest.mark.parametrize("db_settings", ["postgresql"], indirect=True)
def test_two_instances_learn_what_they_hold_in_common(
    db_settings: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    a_items, b_items, both = two_holdings(common=25, only_a=40, only_b=15)
    a = Instance.of("a", Settings(data_dir=tmp_path / "a-data", database_url=None), tmp_path / "a")
    b = Instance.of("b", db_settings, tmp_path / "b")
    a.vigil("db", "upgrade")
    a.import_csv(write_csv(tmp_path / "a.csv", a_items))
    b.import_csv(write_csv(tmp_path / "b.csv", b_items))
    token_of_a_at_b = b.token("instance-a", "peer")
    token_of_b_at_a = a.token("instance-b", "peer")
    analyst_at_b = b.token("ana", "analyst")
    admins = {a.name: a.token("root", "admin"), b.name: b.token("root", "admin")}
    (tmp_path / "token").write_text(token_of_a_at_b + "\n")
    with a.served() as a_url, b.served() as b_url:
        # Only the peer role may start a session.
        refused = httpx.post(
            f"{b_url}/api/v1/federation/psi/sessions",
            json={"sets": {"md5": 1}},
            headers={"Authorization": f"Bearer {analyst_at_b}"},
        )
        assert refused.status_code == 403
        out = tmp_path / "common.json"
        done = a.vigil("psi", "compare", b_url, "--token-file", tmp_path / "token", "--out", out)
        assert f"sha256: {len(both)} in common (ours {len(a_items)}, theirs {len(b_items)})" in done.stdout
        assert "series: 1 in common (ours 2, theirs 2)" in done.stdout
        common = json.loads(out.read_text())["sets"]
        assert set(common["sha256"]["common"]) == {i.sha256 for i in both}
        assert set(common["md5"]["common"]) == {i.md5 for i in both}
        assert common["series"]["common"] == ["shared series"]
        # The other way round, B initiating over A's server: the same counts, seen from B.
        back = json.loads(
            b.vigil("psi", "compare", a_url, "--token", token_of_b_at_a, "--set", "md5", "--json").stdout
        )
        assert back["sets"]["md5"]["ours"] == len(b_items) and back["sets"]["md5"]["theirs"] == len(a_items)
        assert set(back["sets"]["md5"]["common"]) == {i.md5 for i in both}
        # A wrong token: the peer refuses; one clear error line, exit code 1, nothing journalled.
        failed = a.vigil("psi", "compare", b_url, "--token", "wrong", check=False)
        assert failed.returncode == 1 and "error: the peer answered 401" in failed.stderr
        # Each side journalled each comparison it took part in, with what it learnt: counts.
        for instance, url, roles in (
            (a, a_url, ["initiator", "responder"]),
            (b, b_url, ["responder", "initiator"]),
        ):
            compared = _compared(url, admins[instance.name])
            assert [e["details"]["role"] for e in compared] == roles
        at_b = _compared(b_url, admins[b.name])[0]["details"]
        assert at_b["peer"] == "instance-a"
        assert at_b["sets"]["sha256"] == {"ours": len(b_items), "theirs": len(a_items), "common": len(both)}
    for instance in (a, b):
        assert "journal intact" in instance.vigil("audit", "verify").stdout
    # The responder kept nothing of the session (nor its scalar) once the comparison ended.
    assert not any((db_settings.data_dir / "psi").iterdir())
