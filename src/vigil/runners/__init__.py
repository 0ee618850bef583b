"""Where per-file work runs: on this machine, or on a distributed engine (see ``base``)."""

from vigil.runners.base import (
    Executor,
    Runner,
    RunnerOptions,
    RunnerUnavailableError,
    UnknownRunnerError,
    get_runner,
    local_executor,
    runners,
)

__all__ = [
    "Executor",
    "Runner",
    "RunnerOptions",
    "RunnerUnavailableError",
    "UnknownRunnerError",
    "get_runner",
    "local_executor",
    "runners",
]
