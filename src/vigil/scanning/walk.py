"""Folders → the files to scan, in a stable order; no symlink leads out of the tree."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vigil.storage import s3


@dataclass(frozen=True, slots=True)
class Found:
    """A file to scan (``error`` None) or an entry reported without being opened."""

    ordinal: int
    path: str
    error: str | None = None
    note: str | None = None
    #: Listed in the report but not opened (a symlinked folder).
    skip: bool = False


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in roots)


#: The note of a folder that ``walk`` was told to leave out.
OWN_FOLDER = "the scan's own report folder: not scanned"


def walk(inputs: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[Found]:
    """Every file below ``inputs`` in sorted order, numbered; the numbering is what resume relies on.

    Symlinks are followed only when their target is a file inside one of the scanned trees; folders are
    never entered through a link (loops, and links out of a seized tree into the examiner's own disk).
    Folders in ``exclude`` (the scan's report folder, whose checkpoint grows while the scan runs) are
    listed as skipped, not entered. ``s3://bucket/prefix`` inputs give their objects in key order.
    """
    inputs = list(inputs)
    roots = tuple(os.path.realpath(p) for p in inputs if not s3.is_s3(p))
    excluded = frozenset(os.path.realpath(p) for p in exclude)
    ordinal = 0

    def emit(path: str, error: str | None = None, note: str | None = None, skip: bool = False) -> Found:
        nonlocal ordinal
        found = Found(ordinal, path, error, note, skip)
        ordinal += 1
        return found

    def visit(path: str) -> Iterator[Found]:
        if os.path.islink(path):
            target = os.path.realpath(path)
            if not os.path.exists(target):
                yield emit(path, "broken symlink or symlink loop")
            elif not _inside(target, roots):
                yield emit(path, f"symlink leaves the scanned tree ({target})")
            elif os.path.isdir(target):
                yield emit(path, None, "symlinked folder not followed", skip=True)
            else:
                yield emit(path, None, f"symlink to {target}")
            return
        if os.path.isdir(path):
            if excluded and os.path.realpath(path) in excluded:
                yield emit(path, None, OWN_FOLDER, skip=True)
                return
            try:
                with os.scandir(path) as it:
                    names = sorted(entry.name for entry in it)
            except OSError as exc:
                yield emit(path, f"cannot list folder: {exc.strerror or exc}")
                return
            for name in names:
                yield from visit(os.path.join(path, name))
            return
        yield emit(path)

    def objects(url: str) -> Iterator[Found]:
        try:
            for name in s3.list_objects(url):
                yield emit(name)
        except s3.failures() as exc:
            yield emit(url, f"cannot list: {s3.reason(exc)}")

    for item in inputs:
        yield from objects(item) if s3.is_s3(item) else visit(item)
