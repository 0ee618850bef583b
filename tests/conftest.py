"""Fixtures shared by every test folder. Area-specific fixtures live next to their tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: The team's shared folder lies beside the repository, in a developer's tree and in CI's clone alike.
SHARED = REPO.parent / "shared"


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        if in_ci():
            pytest.fail(f"shared/ folder not found beside the repository ({SHARED})")
        pytest.skip("shared/ folder not found beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def pdq_conformance(shared_dir: Path) -> Path:
    return shared_dir / "conformance" / "pdq"
