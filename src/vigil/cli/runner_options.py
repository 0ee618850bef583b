"""``--runner`` and ``--runner-address`` (alias ``--ray-address``), shared by ``vigil hash`` and
``vigil scan``: any runner registered through the ``vigil_runners`` hook, chosen by name."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Annotated

import typer

from vigil.runners import Executor, RunnerOptions, get_runner

RunnerName = Annotated[
    str,
    typer.Option(
        "--runner",
        help="Where the work runs: local (processes, --jobs) or ray (Ray tasks); plugins may add more.",
    ),
]
RunnerAddress = Annotated[
    str | None,
    typer.Option(
        "--runner-address",
        "--ray-address",
        help="The cluster the runner joins (Ray: host:port); default: one started for this run.",
    ),
]


def start_runner(name: str, jobs: int | None, address: str | None) -> AbstractContextManager[Executor]:
    """The chosen runner, started (an unknown name is an Invalid error: exit 2)."""
    if address is not None and name == "local":
        raise typer.BadParameter("--runner-address needs a distributed runner (--runner ray)")
    return get_runner(name).start(RunnerOptions(jobs=jobs, address=address))
