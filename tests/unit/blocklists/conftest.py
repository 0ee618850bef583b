"""Fixtures of the blocklist tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vigil.blocklists.versions import ListVersion

from .builders import sample_version

#: shared/ lies beside the repository, in a developer's tree and in CI's clone alike.
RPZ_CONFORMANCE = Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "rpz"


@pytest.fixture(scope="session")
def rpz_conformance() -> Path:
    if not RPZ_CONFORMANCE.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"RPZ conformance folder not found at {RPZ_CONFORMANCE}")
        pytest.skip("shared/conformance/rpz not found beside the repository")
    return RPZ_CONFORMANCE


@pytest.fixture
def sample() -> ListVersion:
    return sample_version()
