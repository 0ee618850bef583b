from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

from vigil.demo.images import scene
from vigil.signals.batch import CHUNK, IN_FLIGHT_PER_WORKER, hash_many, iter_paths
from vigil.signals.content import HashOptions, HashResult


def test_iter_paths_sorted_recursive_no_symlinked_dirs(tmp_path: Path) -> None:
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "1.txt").write_text("x")
    (tmp_path / "a.txt").write_text("y")
    (tmp_path / "link").symlink_to(tmp_path / "z")
    items = list(iter_paths([str(tmp_path)]))
    assert items == [str(tmp_path / "a.txt"), str(tmp_path / "link"), str(tmp_path / "z" / "1.txt")]


def test_missing_input_passes_through_to_be_reported(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    items = list(iter_paths([str(missing)]))
    assert items == [str(missing)]  # hash_file names the reason


def test_consumes_input_lazily() -> None:
    consumed = 0

    def paths() -> Iterator[str]:
        nonlocal consumed
        for i in range(100_000):
            consumed += 1
            yield f"/nonexistent/{i}"

    results = hash_many(paths(), HashOptions(), jobs=2)
    assert isinstance(results, Generator)
    first = next(results)
    assert first.error == "no such file"
    assert consumed <= (2 * IN_FLIGHT_PER_WORKER + 2) * CHUNK
    results.close()


def test_order_and_equality_across_job_counts(tmp_path: Path) -> None:
    for i in range(20):
        scene(i, (160, 120)).save(tmp_path / f"{i:02d}.png")
    paths = [str(p) for p in sorted(tmp_path.iterdir())]
    paths.insert(5, "/nonexistent/x.png")
    one = list(hash_many(paths, HashOptions(), jobs=1))
    two = list(hash_many(paths, HashOptions(), jobs=2))
    assert [r.path for r in two] == paths
    assert one == two
    assert isinstance(two[5], HashResult) and two[5].error == "no such file"
