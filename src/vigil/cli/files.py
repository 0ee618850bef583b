"""Files a user names on the command line: what goes wrong with them is the user's to fix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from vigil.errors import Invalid


class UnusableFileError(Invalid):
    """A file named on the command line cannot be read or written (missing, a folder, no permission)."""


@contextmanager
def named_files() -> Iterator[None]:
    """Turn an ``OSError`` inside into an :class:`UnusableFileError`, so that the shared mapping prints it as
    one ``error:`` line. Only for blocks whose file operations are on paths the user gave: an ``OSError``
    elsewhere is a fault of the machine or of Vigil and keeps its traceback."""
    try:
        yield
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise UnusableFileError(f"{where}{exc.strerror or exc}") from exc
