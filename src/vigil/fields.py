"""Keyword arguments copied from another object's like-named attributes.

Vigil hands the same facts between layers that name them alike (settings ``import_max_depth`` to
``ReadLimits.max_depth``, a stored entry's hashes to the record it publishes, a service's answer to the
HTTP model that shows it): one table of names says which facts travel, instead of a ``name=x.name``
line per fact at every crossing.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def pick(source: object, *names: str, prefix: str = "") -> dict[str, Any]:
    """``{name: source.<prefix><name>}`` for each of ``names``, to pass as ``**`` arguments."""
    return {name: getattr(source, prefix + name) for name in names}


def field_names(cls: type[Any]) -> tuple[str, ...]:
    """The fields of a dataclass, in order: the names its constructor takes."""
    return tuple(f.name for f in dataclasses.fields(cls))
