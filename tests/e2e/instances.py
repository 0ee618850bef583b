"""Vigil instances for end-to-end federation tests: each its own data folder and database, driven by the
``vigil`` command and served by ``vigil serve`` (uvicorn) on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.served_vigil import vigil_serve
from vigil.config import Settings

CONTRIBUTOR = "Test hotline"


@dataclass
class Instance:
    name: str
    env: dict[str, str]
    folder: Path

    @classmethod
    def of(cls, name: str, settings: Settings, folder: Path) -> Instance:
        """An instance on ``settings``' data folder and database (migrated by the caller's fixture or by
        :meth:`upgrade`)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        env |= {"VIGIL_DATA_DIR": str(settings.data_dir), "VIGIL_API_RATE_PER_SECOND": "0"}
        if settings.database_url:
            env["VIGIL_DATABASE_URL"] = settings.database_url
        folder.mkdir(parents=True, exist_ok=True)
        return cls(name, env, folder)

    def vigil(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "vigil", *map(str, args)],
            check=False,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, f"{self.name}: vigil {args}: {done.stdout}\n{done.stderr}"
        return done

    def import_csv(self, path: Path, list_name: str | None = None) -> None:
        extra = ["--list", list_name] if list_name else []
        self.vigil("lists", "import", path, "--format", "csv", "--contributor", CONTRIBUTOR,
                   "--kind", "hotline", "--country", "FR", *extra)  # fmt: skip

    def token(self, user: str, role: str) -> str:
        return self.vigil("users", "add", user, "--role", role).stdout.strip().splitlines()[-1]

    @contextmanager
    def served(self) -> Iterator[str]:
        with vigil_serve(self.env, self.folder / "serve.log") as base:
            yield base
