"""The local runner: an ordered, bounded process pool on this machine (``vigil.parallel``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from vigil.parallel import default_jobs, ordered_batches
from vigil.runners.base import BatchFn, Executor, In, Out, RunnerOptions, State


@dataclass(frozen=True)
class LocalExecutor:
    jobs: int | None = None

    @property
    def remote(self) -> bool:
        # The pool's workers get the state pickled at their start; a scan's index stays mapped in the
        # parent, which matches.
        return False

    @property
    def workers(self) -> int:
        return self.jobs or default_jobs()

    def map_batches(
        self,
        fn: BatchFn[In, State, Out],
        items: Iterable[In],
        state: State,
        *,
        chunk: int,
        in_flight: int,
    ) -> Iterator[Out]:
        return ordered_batches(fn, items, state, self.jobs, chunk=chunk, in_flight=in_flight)


@dataclass(frozen=True)
class LocalRunner:
    name: str = "local"
    description: str = "processes on this machine (--jobs)"

    @contextmanager
    def start(self, options: RunnerOptions) -> Iterator[Executor]:
        yield LocalExecutor(options.jobs)
