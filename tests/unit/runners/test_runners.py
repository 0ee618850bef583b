"""Runners as the registry gives them, and the local executor's order and back-pressure."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import Any

import pytest

from vigil.errors import Invalid, category
from vigil.parallel import in_order
from vigil.plugins import build_registry, hookimpl, plugin_manager
from vigil.runners import RunnerOptions, UnknownRunnerError, get_runner, local_executor
from vigil.runners.local import LocalExecutor, LocalRunner


def test_local_and_ray_are_registered_through_the_hook() -> None:
    runners = build_registry().runners
    assert {"local", "ray"} <= set(runners)
    assert all(r.description for r in runners.values())
    with pytest.raises(UnknownRunnerError, match="unknown runner 'dask'") as info:
        get_runner("dask")
    assert category(info.value) is Invalid


def test_a_plugin_adds_a_runner() -> None:
    class Plugin:
        @hookimpl
        def vigil_runners(self) -> Sequence[Any]:
            return [LocalRunner(name="other", description="another")]

    runners = build_registry(plugin_manager([Plugin()], entry_points=False)).runners
    assert runners["other"].description == "another"


def doubled(batch: list[int], offset: int) -> list[int]:
    return [2 * n + offset for n in batch]


@pytest.mark.parametrize("jobs", [1, 2])
def test_answers_in_input_order(jobs: int) -> None:
    with LocalRunner().start(RunnerOptions(jobs=jobs)) as executor:
        assert not executor.remote and executor.workers == jobs
        out = list(executor.map_batches(doubled, range(100), 1, chunk=3, in_flight=2))
    assert out == [2 * n + 1 for n in range(100)]


def test_inputs_are_read_only_as_far_ahead_as_the_bound() -> None:
    consumed = 0

    def inputs() -> Iterator[int]:
        nonlocal consumed
        for n in range(10_000):
            consumed += 1
            yield n

    answers = local_executor(2).map_batches(doubled, inputs(), 0, chunk=5, in_flight=2)
    assert next(answers) == 0
    # jobs × in_flight chunks submitted before the first answer is awaited, and not one more.
    assert consumed <= 2 * 2 * 5 + 5
    assert isinstance(local_executor(None), LocalExecutor)


def test_a_window_stopped_early_cancels_what_is_still_pending() -> None:
    cancelled: list[int] = []
    answers = in_order(
        lambda part: part[0], lambda first: [first], range(100), 1, ahead=3, cancel=cancelled.append
    )
    assert [next(answers), next(answers)] == [0, 1]
    assert isinstance(answers, Generator)
    answers.close()
    # Chunks 0..3 were submitted before answer 1 was given; 2 and 3 never were answered.
    assert cancelled == [2, 3]
