"""An ordered, bounded process pool: the one way Vigil spreads per-file work over local cores.

Results come back in input order; the input is consumed lazily, at most ``jobs * in_flight`` chunks
ahead of the consumer, so that memory stays flat over millions of inputs.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")
State = TypeVar("State")
#: What an engine hands back for a submitted chunk (a future, an object reference).
Ticket = TypeVar("Ticket")

#: The most processes a command line may ask for: a pool forks all its workers up front, so an absurd
#: ``--jobs`` would be a fork bomb rather than a clear error.
MAX_JOBS = 1024

_state: object = None


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _init(state: object) -> None:
    global _state  # noqa: PLW0603 - per-process state of a pool worker
    _state = state


def _run_chunk(fn: Callable[[list[In], object], list[Out]], chunk: list[In]) -> list[Out]:
    return fn(chunk, _state)


def each(fn: Callable[[In, State], Out], chunk: list[In], state: State) -> list[Out]:
    """A per-item function over one chunk (``functools.partial(each, fn)`` is a batch function that
    pickles by reference, as every pool needs)."""
    return [fn(item, state) for item in chunk]


def chunks(items: Iterable[In], size: int) -> Iterator[list[In]]:
    """``items`` lazily cut into lists of ``size`` (the last one shorter)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def ordered_map(
    fn: Callable[[In, State], Out],
    items: Iterable[In],
    state: State,
    jobs: int | None = None,
    *,
    chunk: int = 8,
    in_flight: int = 4,
) -> Iterator[Out]:
    """``fn(item, state)`` for every item, over ``jobs`` processes, yielded in input order.

    ``fn`` must be a module-level function; ``state`` is sent once to each worker, not with every chunk.
    """
    return ordered_batches(functools.partial(each, fn), items, state, jobs, chunk=chunk, in_flight=in_flight)


def ordered_batches(
    fn: Callable[[list[In], State], list[Out]],
    items: Iterable[In],
    state: State,
    jobs: int | None = None,
    *,
    chunk: int = 8,
    in_flight: int = 4,
) -> Iterator[Out]:
    """The same with a function of a whole chunk (one answer per item, in order): for work that is
    cheaper a batch at a time, like matching."""
    jobs = jobs or default_jobs()
    if jobs == 1:
        for part in chunks(items, chunk):
            yield from fn(part, state)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(state,)) as pool:

        def submit(part: list[In]) -> Future[list[Out]]:
            return pool.submit(_run_chunk, fn, part)  # type: ignore[arg-type]

        yield from in_order(submit, Future.result, items, chunk, ahead=jobs * in_flight)


def in_order(
    submit: Callable[[list[In]], Ticket],
    answer: Callable[[Ticket], list[Out]],
    items: Iterable[In],
    chunk: int,
    *,
    ahead: int,
    cancel: Callable[[Ticket], object] | None = None,
) -> Iterator[Out]:
    """``items`` cut into chunks of ``chunk``, each submitted while fewer than ``ahead`` are pending, and
    the answers yielded in input order: the back-pressure of every runner. ``cancel``: called on each
    chunk still pending when the consumer stops early (error, Ctrl-C), for engines that would run on."""
    pending: deque[Ticket] = deque()
    try:
        for part in chunks(items, chunk):
            pending.append(submit(part))
            if len(pending) >= ahead:
                yield from answer(pending.popleft())
        while pending:
            yield from answer(pending.popleft())
    finally:
        if cancel is not None:
            for ticket in pending:
                cancel(ticket)
