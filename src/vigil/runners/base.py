"""Runners: where per-file work runs. A runner only distributes Vigil's pure functions (hash one file,
scan one walked entry, match a batch of items); it adds no logic of its own, so every runner gives the
same results in the same order.

Runners are registered through the ``vigil_runners`` hook (``vigil.plugins``) and chosen by name
(``vigil hash --runner``, ``vigil scan --runner``); a runner that needs an engine imports it only when
it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from vigil.errors import Invalid, Unavailable

In = TypeVar("In")
Out = TypeVar("Out")
State = TypeVar("State")

#: A function of one chunk of inputs and the shared state: one answer per input, in order. It must be
#: picklable by reference (a module-level function, or a ``functools.partial`` of one).
BatchFn = Callable[[list[In], State], list[Out]]


class UnknownRunnerError(Invalid, ValueError):
    """No registered runner has that name."""


class RunnerUnavailableError(Unavailable, RuntimeError):
    """The runner's engine is not installed or cannot be reached."""


@dataclass(frozen=True, slots=True)
class RunnerOptions:
    #: Local processes (or, for an engine started for the run, its CPUs); None: all cores.
    jobs: int | None = None
    #: The engine to connect to (a Ray cluster's ``host:port``); None: one started for the run.
    address: str | None = None


class Executor(Protocol):
    """A started runner."""

    @property
    def remote(self) -> bool:
        """True when the workers do not share this process's memory: state is shipped to them once
        (a scan ships its index and matches in the workers), not opened again by each."""
        ...

    @property
    def workers(self) -> int:
        """How many inputs can be worked on at once."""
        ...

    def map_batches(
        self,
        fn: BatchFn[In, State, Out],
        items: Iterable[In],
        state: State,
        *,
        chunk: int,
        in_flight: int,
    ) -> Iterator[Out]:
        """``fn`` over ``items`` cut into chunks of about ``chunk``, answers in input order; ``items``
        is consumed lazily, at most ``workers * in_flight`` chunks ahead of the consumer (back-pressure:
        memory stays flat over millions of inputs). ``state`` is sent to the workers once."""
        ...


class Runner(Protocol):
    """What the ``vigil_runners`` hook contributes."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def start(self, options: RunnerOptions) -> AbstractContextManager[Executor]:
        """The runner ready to take work, for the time of the ``with`` block."""
        ...


def runners() -> dict[str, Runner]:
    """Every registered runner by name."""
    from vigil.plugins import build_registry

    return build_registry().runners


def get_runner(name: str) -> Runner:
    found = runners()
    if name not in found:
        raise UnknownRunnerError(f"unknown runner {name!r} (known: {', '.join(sorted(found))})")
    return found[name]


def local_executor(jobs: int | None) -> Executor:
    """The default: processes of this machine (what every caller used before runners were chosen)."""
    from vigil.runners.local import LocalExecutor

    return LocalExecutor(jobs)
