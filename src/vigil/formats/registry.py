"""The formats Vigil ships, as the ``vigil_formats`` hook contributes them, and lookup by name."""

from __future__ import annotations

from collections.abc import Sequence

from vigil.formats.base import HashSetFormat


def builtin_formats() -> Sequence[HashSetFormat]:
    from vigil.formats.csv import CSV
    from vigil.formats.md5sum import MD5SUM
    from vigil.formats.pytx import PYTX
    from vigil.formats.vics import VICS

    return [VICS, CSV, MD5SUM, PYTX]


def get_format(name: str) -> HashSetFormat:
    """The registered format called ``name`` (built-ins and plugins)."""
    from vigil.plugins import build_registry

    formats = build_registry().formats
    try:
        fmt: HashSetFormat = formats[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(sorted(formats))}") from None
    return fmt
