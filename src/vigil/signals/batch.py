"""Many files → signals, over a process pool, in input order, with memory bounded in the file count."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable, Iterator

from vigil.parallel import each
from vigil.runners.base import Executor, local_executor
from vigil.signals.content import (
    HashOptions,
    HashResult,
    hash_file,
    hash_stream,
    internal_error,
    os_error_reason,
)
from vigil.storage import s3

#: Files per task sent to a worker: large enough to amortise IPC, small enough to balance load.
CHUNK = 8
#: Tasks in flight per worker: keeps every worker busy while bounding what waits in memory.
IN_FLIGHT_PER_WORKER = 4

log = logging.getLogger(__name__)


#: A path to hash, or the error record of an entry that could not even be listed.
Item = str | HashResult


def iter_paths(inputs: Iterable[str]) -> Iterator[Item]:
    """Files named by ``inputs``, folders recursed in sorted order; symlinked folders are not followed
    (they are yielded as entries, so that ``hash_file`` reports them). ``s3://bucket/prefix`` yields
    the objects under it in key order."""
    for item in inputs:
        if s3.is_s3(item):
            yield from _list_objects(item)
        elif os.path.isdir(item) and not os.path.islink(item):
            yield from _walk(item)
        else:
            yield item


def _walk(folder: str) -> Iterator[Item]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield HashResult(folder, error=f"cannot list folder: {os_error_reason(exc)}")
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(entry.path)
        else:
            yield entry.path


def _list_objects(url: str) -> Iterator[Item]:
    try:
        yield from s3.list_objects(url)
    except s3.failures() as exc:
        yield HashResult(url, error=f"cannot list: {s3.reason(exc)}")


def hash_object(url: str, options: HashOptions) -> HashResult:
    """One object of an object store, streamed."""
    try:
        with s3.open_object(url) as body:
            return hash_stream(url, body, options)
    except s3.failures() as exc:
        return HashResult(url, error=s3.reason(exc))


def _hash_one(item: Item, options: HashOptions) -> HashResult:
    if isinstance(item, HashResult):
        return item
    if s3.is_s3(item):
        return hash_object(item, options)
    try:
        # Reports its own OSErrors and decoding failures per file, digests kept; what escapes is a bug.
        return hash_file(item, options)
    except Exception as exc:  # one bad file must never stop a batch
        log.exception("internal error hashing %s", item)
        return HashResult(item, error=internal_error(exc))


def hash_many(
    paths: Iterable[Item], options: HashOptions, jobs: int | None = None, executor: Executor | None = None
) -> Iterator[HashResult]:
    """Hash ``paths`` (lazily consumed) with ``jobs`` local processes, or on a started runner's
    ``executor``; results come in input order."""
    executor = executor or local_executor(jobs)
    return executor.map_batches(
        functools.partial(each, _hash_one), paths, options, chunk=CHUNK, in_flight=IN_FLIGHT_PER_WORKER
    )
