"""``python -m bench [NAME ...]``: run the benchmarks (all of them, or those named), one at a time.

Each benchmark is a module ``bench.NAME`` with ``main(argv: list[str] | None) -> int``, imported only
when it runs; one not written yet is skipped with a message. Every run holds the machine-wide lock
``/tmp/vigil-bench.lock`` (``flock``), so that two heavy benchmarks never share the cores: when another
is running, this one waits. Extra arguments after ``--`` go to every benchmark named:
``python -m bench hashing -- --limit 20``.
"""

from __future__ import annotations

import fcntl
import importlib
import pkgutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, cast

#: The machine-wide lock that every engineer's heavy benchmark takes.
LOCK_PATH: Final = Path("/tmp/vigil-bench.lock")
#: Run first, in this order; any other benchmark module found in bench/ follows, by name.
ORDER: Final = ("hashing", "matching")
#: Modules of bench/ that are helpers, not benchmarks.
HELPERS: Final = frozenset({"corpus"})

Main = Callable[[list[str] | None], int]


def available() -> list[str]:
    """Known benchmarks first, then every other module of this package that is not a helper."""
    here = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])]
    others = sorted(n for n in here if n not in ORDER and n not in HELPERS and not n.startswith("_"))
    return [*ORDER, *others]


@contextmanager
def bench_lock(path: Path = LOCK_PATH) -> Iterator[None]:
    """Hold the machine-wide benchmark lock (waiting for it if another benchmark runs)."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for {path} (another benchmark is running)...", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load(name: str) -> Main | None:
    """``bench.NAME.main``, or None when that benchmark does not exist (yet)."""
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name in (f"bench.{name}", "bench"):
            return None
        raise
    main = getattr(module, "main", None)
    return cast(Main, main) if callable(main) else None


def run(names: list[str], argv: list[str]) -> int:
    worst = 0
    for name in names:
        main = load(name)
        if main is None:
            print(f"bench: {name}: not available yet (no bench/{name}.py): skipped", file=sys.stderr)
            continue
        print(f"bench: {name}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        with bench_lock():
            code = main(list(argv))
        print(f"bench: {name}: exit {code} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        worst = max(worst, code)
    return worst


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, extra = args[:cut], args[cut + 1 :]
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        print("benchmarks:", ", ".join(available()))
        return 0
    unknown = [a for a in args if a.startswith("-")]
    if unknown:
        print(f"bench: unknown option(s) {' '.join(unknown)}; pass options after --", file=sys.stderr)
        return 2
    return run(args or available(), extra)


if __name__ == "__main__":
    raise SystemExit(main())
