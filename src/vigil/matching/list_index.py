"""A standalone index of one published list version, keyed by list entry ids (``vigil index build --list``).

Unlike the API's snapshots (keyed by row, with an entries table beside them), the file stands alone: a
partner receiving it learns entry ids, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from vigil.errors import Invalid, NotFound
from vigil.index import AnyIndex, PdqIndex
from vigil.matching.entries import published_versions, version_rows
from vigil.signals.base import IndexedSignalType
from vigil.signals.pdq import PDQ
from vigil.signals.registry import IDENTITY_DIGESTS
from vigil.signals.registry import indexed_types as _indexed


def signal_type_index(name: str) -> IndexedSignalType:
    try:
        return _indexed()[name]
    except KeyError:
        raise Invalid(f"no index for signal type {name!r}; known: {', '.join(_indexed())}") from None


def list_index(
    sessions: sessionmaker[Session],
    name: str,
    signal: str,
    progress: Callable[[int, int], None] | None = None,
) -> AnyIndex:
    """The ``signal`` index of the latest published version of list ``name``; NotFound if none."""
    hashes: list[str] = []
    ids: list[int] = []
    with sessions() as session:
        version = next((v for v in published_versions(session) if v.name == name), None)
        if version is None:
            raise NotFound(f"hash list {name!r} has no published version")
        for row in version_rows(session, version.list_id, version.version):
            if signal in IDENTITY_DIGESTS:
                digest = getattr(row, signal)
                values = [digest] if digest else []
            else:
                values = row.signals.get(signal, [])
            hashes.extend(values)
            ids.extend([row.entry_id] * len(values))
    id_array = np.asarray(ids, dtype=np.int64)
    if signal == PDQ.name:
        return PdqIndex.build(hashes, id_array, progress=progress)
    index: AnyIndex = signal_type_index(signal).build_index(hashes, id_array)
    return index
