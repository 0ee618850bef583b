"""A published hash-list version as a download in a registered format, for the API and the console.

The export is written to a spooled temporary file (memory up to a few MiB, then disk) inside the
service's transaction, then streamed out in pieces: a list of millions of entries never sits in memory
whole, and the database work is over before the client reads.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from typing import IO, BinaryIO, Final, cast

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from vigil.formats.base import HashSetFormat
from vigil.hashlists.service import HashDatabase

MEDIA_TYPES: Final = {"vics": "application/json", "csv": "text/csv", "md5sum": "text/plain"}
EXTENSIONS: Final = {"vics": "json", "csv": "csv", "md5sum": "md5", "pytx": "txt"}
_SPOOL: Final = 8 * 1024 * 1024


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while piece := spool.read(1 << 16):
            yield piece
    finally:
        spool.close()


async def export_response(
    db: HashDatabase, name: str, fmt: HashSetFormat, version: int | None
) -> StreamingResponse:
    """The download (journalled by the service as ``hashlists.export``); ListError when there is none."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 - closed by _chunks
    try:
        result = await run_in_threadpool(db.export, name, fmt, cast(BinaryIO, spool), version)
    except BaseException:
        spool.close()
        raise
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    filename = f"{safe}-v{result.version}.{EXTENSIONS.get(fmt.name, 'txt')}"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Vigil-List-Version": str(result.version),
        "X-Vigil-Entries": str(result.written),
    }
    return StreamingResponse(
        _chunks(spool), media_type=MEDIA_TYPES.get(fmt.name, "application/octet-stream"), headers=headers
    )
