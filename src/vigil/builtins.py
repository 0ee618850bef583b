"""Vigil's own contributions to the plugin registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vigil.plugins import hookimpl


@hookimpl
def vigil_signal_types() -> Sequence[Any]:
    from vigil.signals.crypto import MD5, SHA1, SHA256
    from vigil.signals.pdq import PDQ
    from vigil.signals.regions import PDQ_REGIONS
    from vigil.signals.url import URL
    from vigil.video.signal import VPDQ

    return [PDQ, MD5, SHA1, SHA256, VPDQ, URL, PDQ_REGIONS]


@hookimpl
def vigil_formats() -> Sequence[Any]:
    from vigil.formats.registry import builtin_formats

    return builtin_formats()


@hookimpl
def vigil_runners() -> Sequence[Any]:
    from vigil.runners.local import LocalRunner
    from vigil.runners.ray_runner import RayRunner

    return [LocalRunner(), RayRunner()]
