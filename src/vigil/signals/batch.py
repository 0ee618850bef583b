"""Many files → signals, over a process pool, in input order, with memory bounded in the file count."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from vigil.signals.content import FileSignals, HashOptions, hash_file, os_error_reason

#: Files per task sent to a worker: large enough to amortise IPC, small enough to balance load.
CHUNK = 8
#: Tasks in flight per worker: keeps every worker busy while bounding what waits in memory.
IN_FLIGHT_PER_WORKER = 4


#: A path to hash, or the error record of an entry that could not even be listed.
Item = str | FileSignals


def iter_paths(inputs: Iterable[str]) -> Iterator[Item]:
    """Files named by ``inputs``, folders recursed in sorted order; symlinked folders are not followed
    (they are yielded as entries, so that ``hash_file`` reports them)."""
    for item in inputs:
        if os.path.isdir(item) and not os.path.islink(item):
            yield from _walk(item)
        else:
            yield item


def _walk(folder: str) -> Iterator[Item]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield FileSignals(path=folder, error=f"cannot list folder: {os_error_reason(exc)}")
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


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_worker_options: HashOptions | None = None


def _init_worker(options: HashOptions) -> None:
    global _worker_options  # noqa: PLW0603 - per-process state of a pool worker
    _worker_options = options


def _hash_chunk(items: list[Item]) -> list[FileSignals]:
    options = _worker_options or HashOptions()
    return [_safe_hash(p, options) for p in items]


def _safe_hash(path: Item, options: HashOptions) -> FileSignals:
    if isinstance(path, FileSignals):
        return path
    try:
        return hash_file(path, options)
    except OSError as exc:
        return FileSignals(path=path, error=os_error_reason(exc))
    except Exception as exc:  # one bad file must never stop a batch
        return FileSignals(path=path, error=f"internal error: {type(exc).__name__}: {exc}"[:200])


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def hash_many(paths: Iterable[Item], options: HashOptions, jobs: int | None = None) -> Iterator[FileSignals]:
    """Hash ``paths`` (lazily consumed) with ``jobs`` processes; results come in input order."""
    jobs = jobs or default_jobs()
    if jobs == 1:
        for path in paths:
            yield _safe_hash(path, options)
        return
    window = jobs * IN_FLIGHT_PER_WORKER
    pending: deque[Future[list[FileSignals]]] = deque()
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(options,)) as pool:
        chunks = _chunks(paths, CHUNK)
        for chunk in chunks:
            pending.append(pool.submit(_hash_chunk, chunk))
            if len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
