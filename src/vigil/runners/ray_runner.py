"""The Ray runner: the same per-file functions as Ray tasks, in bounded batches, answers in input order.

Ray is an optional extra (``pip install 'vigil[ray]'``), imported only when this runner starts. With no
address, a local Ray is started for the run (``--jobs`` CPUs) and stopped at its end; with one, the
command joins that cluster as a driver. Usage statistics are off and no dashboard is started.

The state of a map (hashing options; a scan's options and its index) is put into Ray's object store
once and every task refers to it: Ray maps numpy arrays from the node's shared memory without a copy,
so each node holds the index once, whatever the number of tasks or workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vigil.parallel import default_jobs, in_order
from vigil.runners.base import BatchFn, Executor, In, Out, RunnerOptions, RunnerUnavailableError, State

#: A Ray task costs about a millisecond to schedule, a process pool's chunk far less: Ray's chunks are
#: this many times larger, with half the chunks in flight, for the same inputs ahead of the consumer.
CHUNK_SCALE = 4


def _run_batch(fn: BatchFn[Any, Any, Any], batch: list[Any], state: Any) -> list[Any]:
    return fn(batch, state)


@dataclass
class RayExecutor:
    cpus: int
    _task: Any
    _ray: Any

    @property
    def remote(self) -> bool:
        return True

    @property
    def workers(self) -> int:
        return self.cpus

    def map_batches(
        self,
        fn: BatchFn[In, State, Out],
        items: Iterable[In],
        state: State,
        *,
        chunk: int,
        in_flight: int,
    ) -> Iterator[Out]:
        ray = self._ray
        state_ref = ray.put(state)  # once; tasks get it from the object store
        limit = max(2, self.cpus * max(1, in_flight // 2))

        def submit(part: list[In]) -> Any:
            return self._task.remote(fn, part, state_ref)

        # An abandoned map (error, Ctrl-C) leaves no work behind on the cluster.
        yield from in_order(submit, ray.get, items, chunk * CHUNK_SCALE, ahead=limit, cancel=ray.cancel)


def _import_ray() -> Any:
    # Before the import: Ray reads it when it starts, and it must never phone home from a seizure.
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        import ray
    except ImportError as exc:
        raise RunnerUnavailableError("the ray runner needs Ray: pip install 'vigil[ray]'") from exc
    return ray


@dataclass(frozen=True)
class RayRunner:
    name: str = "ray"
    description: str = "Ray tasks: a local Ray for the run, or a cluster (--ray-address)"

    @contextmanager
    def start(self, options: RunnerOptions) -> Iterator[Executor]:
        ray = _import_ray()
        # Ray's own variable names a cluster as well; ray.init would join it and refuse num_cpus.
        address = options.address or os.environ.get("RAY_ADDRESS") or None
        started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {
                "include_dashboard": False,
                "configure_logging": False,
                "log_to_driver": True,
            }
            if address is None:
                kwargs["num_cpus"] = options.jobs or default_jobs()
                # A Ray of this run only: its processes listen on loopback, never on the network.
                kwargs["_node_ip_address"] = "127.0.0.1"
            try:
                ray.init(address=address, **kwargs)
            except ConnectionError as exc:
                raise RunnerUnavailableError(f"cannot reach the Ray cluster at {address}: {exc}") from exc
            started = True
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            task = ray.remote(_run_batch).options(max_retries=3, retry_exceptions=False)
            yield RayExecutor(max(1, cpus), task, ray)
        finally:
            if started:
                ray.shutdown()
