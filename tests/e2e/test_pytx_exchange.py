"""Issue 17, python-threatexchange fetching from Vigil: pytx's own ``threatexchange`` command, with Vigil's
extension added to its configuration (``vigil.federation.pytx_exchange``), fetches a list of a served Vigil
(SQLite here; tests/e2e/test_federation_psi.py serves one on PostgreSQL) with a peer's token, then
fetches again after a new version: only the delta, from its checkpoint."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.db_fixtures import db_settings  # noqa: F401 - the fixture
from tests.e2e.instances import CONTRIBUTOR, Instance
from tests.integration.federation.holdings import Item, items
from vigil.config import Settings

TX = [sys.executable, "-m", "threatexchange.cli.main"]


def _pdq(seed: int) -> str:
    return random.Random(seed).randbytes(32).hex()


def _write(path: Path, rows: list[Item], seed: int) -> dict[str, str]:
    """The rows as CSV with a PDQ hash each; returns md5 → pdq."""
    pdqs = {}
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["sha256", "md5", "pdq"])
        for n, row in enumerate(rows):
            pdqs[row.md5] = _pdq(seed * 1000 + n)
            writer.writerow([row.sha256, row.md5, pdqs[row.md5]])
    return pdqs


def _tx(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*TX, *args], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"threatexchange {args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _fetched(env: dict[str, str]) -> set[tuple[str, str]]:
    lines = _tx(env, "dataset", "-P", "-S").splitlines()
    return {tuple(line.split()[:2]) for line in lines if line.strip()}  # type: ignore[misc]


@pytest.mark.slow
@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_threatexchange_fetches_a_vigil_list_and_then_its_delta(
    db_settings: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    pytest.importorskip("threatexchange")
    vigil = Instance.of("vigil", db_settings, tmp_path / "vigil")
    first, second = items(11, 6), items(12, 4)
    pdqs = _write(tmp_path / "first.csv", first, 1)
    vigil.import_csv(tmp_path / "first.csv")
    vigil.vigil("lists", "create", "partners", "--contributor", CONTRIBUTOR, "--from", CONTRIBUTOR,
                "--recipient", "peer")  # fmt: skip
    vigil.vigil("lists", "publish", "partners")
    token = vigil.token("hma", "peer")
    tx_env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "TX_"))}
    tx_env |= {"TX_STATEDIR": str(tmp_path / "tx-state"), "TX_VIGIL_TOKEN": token}
    with vigil.served() as url:
        _tx(tx_env, "config", "extensions", "add", "vigil.federation.pytx_exchange")
        _tx(tx_env, "config", "collab", "edit", "vigil", "partners-at-vigil", "--create", "--url", url,
            "--list", "partners")  # fmt: skip
        _tx(tx_env, "fetch")
        got = _fetched(tx_env)
        assert {("video_md5", i.md5) for i in first} <= got
        assert {("pdq", pdqs[i.md5]) for i in first} <= got
        assert {("video_sha256", i.sha256) for i in first} <= got
        # A second version: the next fetch starts from the checkpoint (version 1) and adds the delta.
        pdqs |= _write(tmp_path / "second.csv", second, 2)
        vigil.import_csv(tmp_path / "second.csv")
        vigil.vigil("lists", "publish", "partners")
        _tx(tx_env, "fetch")
        got = _fetched(tx_env)
        assert {("video_md5", i.md5) for i in first + second} <= got
        assert {("pdq", pdqs[i.md5]) for i in second} <= got
        # Both ways at once: another Vigil fetches the list through pytx with the same class.
        other = Instance.of(
            "other", Settings(data_dir=tmp_path / "other-data", database_url=None), tmp_path / "o"
        )
        other.vigil("db", "upgrade")
        (tmp_path / "token").write_text(token)
        config = json.dumps({"url": url, "list": "partners", "token_file": str(tmp_path / "token")})
        api = "vigil.federation.pytx_exchange:VigilSignalExchangeAPI"
        done = other.vigil("exchanges", "fetch", "vigil-partners", "--list", "from-vigil",
                           "--contributor", "Partner hotline", "--kind", "hotline",
                           "--api", api, "--config", config)  # fmt: skip
        assert "10 records, 10 media added to from-vigil" in done.stdout, done.stdout
