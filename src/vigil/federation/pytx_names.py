"""Vigil's signal type names and python-threatexchange's, both ways.

pytx calls a file's MD5 ``video_md5`` (its only MD5 signal type) and a file's SHA-256 ``video_sha256``;
PDQ is ``pdq`` on both sides. Other types keep their names: a plugin's type meets a pytx type only if
they are named alike. These names are pytx's, fixed by its signal types (``SignalType.get_name()``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from vigil.signals import registry

#: Vigil name → pytx name, where they differ.
_TO_PYTX: Final = {"md5": "video_md5", "sha256": "video_sha256"}
_TO_VIGIL: Final = {v: k for k, v in _TO_PYTX.items()}


def to_pytx(name: str) -> str:
    return _TO_PYTX.get(name, name)


def to_vigil(name: str) -> str | None:
    """The registry's type for a pytx name; None for a type this process does not know."""
    vigil = _TO_VIGIL.get(name, name)
    return vigil if vigil in registry.signal_types() else None


def pytx_signals(signals: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {to_pytx(name): list(values) for name, values in signals.items()}
