"""A standalone index of one published list version, keyed by list entry ids (``vigil index build --list``).

Unlike the API's snapshots (keyed by row, with an entries table beside them), the file stands alone: a
partner receiving it learns entry ids, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from vigil.index import ExactIndex, PdqIndex
from vigil.matching.entries import published_versions, version_rows


def list_index(
    sessions: sessionmaker[Session],
    name: str,
    signal: str,
    progress: Callable[[int, int], None] | None = None,
) -> PdqIndex | ExactIndex:
    """The ``signal`` index of the latest published version of list ``name``; LookupError if none."""
    hashes: list[str] = []
    ids: list[int] = []
    with sessions() as session:
        version = next((v for v in published_versions(session) if v.name == name), None)
        if version is None:
            raise LookupError(f"hash list {name!r} has no published version")
        for row in version_rows(session, version.list_id, version.version):
            if signal == "pdq":
                values = row.signals.get("pdq", [])
            else:
                digest = getattr(row, signal)
                values = [digest] if digest else []
            hashes.extend(values)
            ids.extend([row.entry_id] * len(values))
    id_array = np.asarray(ids, dtype=np.int64)
    if signal == "pdq":
        return PdqIndex.build(hashes, id_array, progress=progress)
    return ExactIndex.build(hashes, id_array, signal=signal)
