"""Fixtures shared by every test folder. Area-specific fixtures live next to their tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


@pytest.fixture
def with_sha512(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry as a process with a plugin's SHA-512 digest type installed sees it (in-process: the
    out-of-tree package itself is installed by tests/integration/test_plugin_signal_type.py)."""
    from vigil.signals import registry, values
    from vigil.signals.crypto import CryptoSignal

    known = {**registry.signal_types(), "sha512": CryptoSignal("sha512", 512, "SHA-512")}
    monkeypatch.setattr(registry, "signal_types", lambda: known)
    values.layout.cache_clear()
    yield
    values.layout.cache_clear()
