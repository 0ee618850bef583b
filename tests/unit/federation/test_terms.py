"""The terms a list is pulled under, and when a change of them copies the list again (pull.next_terms):
this instance's part is compared always, the peer's only when its batch states one."""

from __future__ import annotations

import pytest

from vigil.federation.pull import next_terms


@pytest.mark.parametrize(
    ("previous", "theirs", "ours", "expected"),
    [
        (None, "", "o1", ("/o1", False)),  # a checkpoint from before terms: adopts them
        (None, "t1", "o1", ("t1/o1", False)),
        ("t1/o1", "t1", "o1", ("t1/o1", False)),
        ("/o1", "", "o1", ("/o1", False)),
        ("/o1", "", "o2", ("/o2", True)),  # ours changed, the peer states none: copied again
        ("t1/o1", "", "o2", ("t1/o2", True)),
        ("t1/o1", "t1", "o2", ("t1/o2", True)),
        ("t1/o1", "t2", "o1", ("t2/o1", True)),  # theirs changed
        ("/o1", "t1", "o1", ("t1/o1", True)),  # starts stating them: once more
        ("t1/o1", "", "o1", ("t1/o1", False)),  # stops: kept, no news
        ("a/b/o1", "", "o1", ("a/b/o1", False)),  # a peer's terms with a slash: ours is the last part
        ("a/b/o1", "a/c", "o1", ("a/c/o1", True)),
    ],
)
def test_next_terms(previous: str | None, theirs: str, ours: str, expected: tuple[str, bool]) -> None:
    assert next_terms(previous, theirs, ours) == expected
