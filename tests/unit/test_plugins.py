from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from vigil.config import Settings
from vigil.plugins import DuplicateNameError, build_registry, hookimpl, plugin_manager
from vigil.signals.base import SignalType
from vigil.signals.crypto import CryptoSignal


def test_builtin_signal_types_registered() -> None:
    reg = build_registry(plugin_manager(entry_points=False))
    assert {"pdq", "md5", "sha1", "sha256"} <= set(reg.signal_types)
    for name, sig in reg.signal_types.items():
        assert isinstance(sig, SignalType) and sig.name == name


class Shadowing:
    @hookimpl
    def vigil_signal_types(self) -> Sequence[Any]:
        return [CryptoSignal("md5", 128)]


def test_duplicate_names_refused_at_start_up() -> None:
    with pytest.raises(DuplicateNameError, match="md5"):
        build_registry(plugin_manager([Shadowing()], entry_points=False))


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_MAX_IMAGE_PIXELS", "1234")
    monkeypatch.setenv("VIGIL_DATA_DIR", "/srv/vigil")
    settings = Settings()
    assert settings.max_image_pixels == 1234
    assert settings.sqlalchemy_url.endswith("/srv/vigil/vigil.sqlite3")
