"""Extension points: pluggy hook specifications and the registry built from them at start-up.

Every registered thing carries an explicit, stable ``name``; the registry refuses duplicates so that a
plugin cannot silently shadow a built-in signal type, format or runner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

import pluggy

from vigil.errors import Conflict

PROJECT = "vigil"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@runtime_checkable
class Named(Protocol):
    """Anything registered: it answers to a stable, explicit name."""

    @property
    def name(self) -> str: ...


class DuplicateNameError(Conflict, ValueError):
    """Two registered things of one kind share a name."""


class Hooks:
    """Hook specifications. Each returns the things a plugin contributes of one kind."""

    @hookspec
    def vigil_signal_types(self) -> Sequence[Any]:  # type: ignore[empty-body]
        """Signal types (see ``vigil.signals.base.SignalType``)."""

    @hookspec
    def vigil_formats(self) -> Sequence[Any]:  # type: ignore[empty-body]
        """Hash-set import/export formats."""

    @hookspec
    def vigil_runners(self) -> Sequence[Any]:  # type: ignore[empty-body]
        """Scan runners (local, Ray, ...)."""


T = TypeVar("T", bound=Named)


def _by_name(kind: str, items: Iterable[T]) -> dict[str, T]:
    out: dict[str, T] = {}
    for item in items:
        name = item.name
        if not name or name != name.strip():
            raise ValueError(f"{kind}: invalid name {name!r}")
        if name in out:
            raise DuplicateNameError(f"{kind}: name {name!r} registered twice")
        out[name] = item
    return out


@dataclass(frozen=True)
class Registry:
    """What the plugins contributed, by kind and name. Built once by :func:`build_registry`."""

    signal_types: dict[str, Any] = field(default_factory=dict)
    formats: dict[str, Any] = field(default_factory=dict)
    runners: dict[str, Any] = field(default_factory=dict)


def plugin_manager(
    extra_plugins: Iterable[object] = (), *, entry_points: bool = True
) -> pluggy.PluginManager:
    """A manager with Vigil's built-ins, third-party entry points (group ``vigil``) and ``extra_plugins``."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(Hooks)
    from vigil import builtins

    pm.register(builtins)
    if entry_points:
        pm.load_setuptools_entrypoints(PROJECT)
    for plugin in extra_plugins:
        pm.register(plugin)
    return pm


def build_registry(pm: pluggy.PluginManager | None = None) -> Registry:
    """Collect every contribution and check that names are unique within each kind."""
    pm = pm or plugin_manager()
    hook = pm.hook

    def flat(results: Iterable[Sequence[Any]]) -> list[Any]:
        return [item for group in results for item in group]

    return Registry(
        signal_types=_by_name("signal type", flat(hook.vigil_signal_types())),
        formats=_by_name("format", flat(hook.vigil_formats())),
        runners=_by_name("runner", flat(hook.vigil_runners())),
    )
