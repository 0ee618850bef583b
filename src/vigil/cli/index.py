"""``vigil index``: build, update, query and describe matching indexes (a thin layer over vigil.index)."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vigil.cli.files import named_files
from vigil.cli.state import sessions_of
from vigil.errors import Invalid
from vigil.index import AnyIndex, PdqIndex, VpdqIndex, load_index
from vigil.index.live import DELTA_LIMIT
from vigil.matching.list_index import list_index
from vigil.matching.signals import lookup_signals
from vigil.signals.pdq import PDQ
from vigil.signals.registry import indexed_types

app = typer.Typer(
    help="Build, update and query matching indexes (PDQ range search; MD5, SHA-1, SHA-256 equality).",
    no_args_is_help=True,
)

#: Queries answered per call of the index (results still stream out in input order).
QUERY_BATCH = 4096
#: The largest meaningful distance: PDQ hashes have 256 bits (exact indexes ignore the threshold).
MAX_DISTANCE = 256
#: Input lines between two progress updates.
PROGRESS_EVERY = 1 << 16


def _known_signal(name: str) -> str:
    """The registry's indexed signal types (plugins' included) are the choices."""
    known = lookup_signals()
    if name not in known:
        raise typer.BadParameter(f"{name!r} is not one of {', '.join(known)}")
    return name


class InputError(Invalid):
    """A line of an input file that is not ``hex`` or ``hex,id``."""


InputArg = Annotated[str, typer.Argument(help="File of `hex` or `hex,id` lines; - for standard input.")]


@contextmanager
def _opened(name: str) -> Iterator[TextIO]:
    if name == "-":
        yield sys.stdin
    else:
        with Path(name).open(encoding="utf-8") as f:
            yield f


def read_rows(
    lines: Iterable[str], on_line: Callable[[int], None] | None = None
) -> tuple[list[str], list[int] | None]:
    """Hashes and ids (None when no line has one) from ``hex`` or ``hex,id`` lines; blank lines and
    ``#`` comments are skipped. Either every line has an id or none does."""
    hashes: list[str] = []
    ids: list[int] = []
    for number, line in enumerate(lines, 1):
        if on_line is not None and number % PROGRESS_EVERY == 0:
            on_line(number)
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        value, sep, ident = text.partition(",")
        if bool(sep) != bool(ids) and hashes:
            raise InputError(f"line {number}: either every line has an id or none does")
        hashes.append(value.strip())
        if sep:
            try:
                ids.append(int(ident.strip()))
            except ValueError:
                raise InputError(f"line {number}: id {ident.strip()!r} is not an integer") from None
    return hashes, ids or None


def _progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )  # fmt: skip


@app.command("build")
def build_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Snapshot file to write.")],
    source: Annotated[
        str | None, typer.Argument(help="File of `hex` or `hex,id` lines; - for standard input.")
    ] = None,
    signal: Annotated[
        str,
        typer.Option(
            "--signal",
            help="Signal type of the hashes (pdq, md5, sha1, sha256 or a plugin's).",
            callback=_known_signal,
        ),
    ] = PDQ.name,
    list_name: Annotated[
        str | None,
        typer.Option("--list", help="Index the latest published version of this hash list (ids: entry ids)."),
    ] = None,
) -> None:
    """Build an index from a list of hashes (or a published hash list) and save it as a snapshot."""
    if (source is None) == (list_name is None):
        raise typer.BadParameter("give either INPUT or --list")
    err = Console(stderr=True)
    bar = _progress_bar(err) if err.is_terminal else None
    with named_files(), bar or nullcontext():
        if list_name is not None:
            index = list_index(sessions_of(ctx), list_name, signal)
        else:
            index = _build(str(source), signal, bar)
        index.save(output)
    # soft_wrap: a long path must not break the line for scripts that read it (rich wraps at 80 off a tty).
    err.print(f"{output}: {len(index)} {signal} hashes", highlight=False, soft_wrap=True)


def _build(source: str, signal: str, bar: Progress | None) -> AnyIndex:
    """Read and index ``source``, following the steps on ``bar`` when there is one."""
    if signal in VpdqIndex.signals():
        # A vPDQ value is many comma-separated lines itself: it does not fit `hex,id` lines.
        raise InputError("a vpdq index is built from a hash list: use --list")
    on_line = on_chunk = None
    if bar is not None:
        reading = bar.add_task("reading", total=None)
        bucketing = bar.add_task("bucketing", total=None, visible=False)

        def on_line(lines: int) -> None:
            bar.update(reading, completed=lines)

        def on_chunk(done: int, total: int) -> None:
            bar.update(bucketing, completed=done, total=total, visible=True)

    with _opened(source) as f:
        hashes, ids = read_rows(f, on_line)
    if signal == PDQ.name:
        return PdqIndex.build(hashes, ids, progress=on_chunk)
    built: AnyIndex = indexed_types()[signal].build_index(hashes, ids)
    return built


@app.command("add")
def add_command(
    index_path: Annotated[Path, typer.Argument(metavar="INDEX", help="Snapshot to update in place.")],
    source: InputArg,
    compact: Annotated[
        bool, typer.Option("--compact/--no-compact", help="Fold the additions into the main structure.")
    ] = False,
) -> None:
    """Add hashes to an index (ids default to numbers after the largest one) and save it again."""
    with named_files():
        index = load_index(index_path)
        index.auto_compact = False  # compacted below, in this process, if at all
        with _opened(source) as f:
            hashes, ids = read_rows(f)
        index.add(hashes, ids)
        if compact or index.info()["delta_rows"] >= DELTA_LIMIT:
            index.compact()
        index.save(index_path)
    Console(stderr=True).print(
        f"{index_path}: {len(index)} hashes (+{len(hashes)})", highlight=False, soft_wrap=True
    )


def _is_file(name: str) -> bool:
    try:
        return Path(name).exists()
    except OSError:  # a value longer than a file name may be (a vPDQ) is not one
        return False


def _query_lines(queries: str, width: int) -> Iterator[str]:
    """Lines of the ``queries`` file, of standard input (``-``), or ``queries`` itself when it is one
    hash rather than a file name. Values of no fixed width (``width`` 0: a vPDQ, its frames separated
    by ``;``) are whole lines; others are the line up to a comma."""
    if queries != "-" and not _is_file(queries) and (len(queries.strip()) == width or not width):
        yield queries.strip()
        return
    with _opened(queries) as f:
        for line in f:
            text = line.strip()
            if text and not text.startswith("#"):
                yield text if not width else text.partition(",")[0].strip()


@app.command("query")
def query_command(
    index_path: Annotated[Path, typer.Argument(metavar="INDEX", help="Snapshot to search.")],
    queries: Annotated[
        str, typer.Argument(help="File of hashes (one a line), - for standard input, or one hash.")
    ] = "-",
    threshold: Annotated[
        int | None,
        typer.Option(
            "--threshold",
            "-t",
            min=0,
            max=MAX_DISTANCE,
            help=f"Largest distance (default: {PDQ.default_threshold} for PDQ).",
        ),
    ] = None,
) -> None:
    """Print, per query in input order, a JSON line {"query", "matches": [{"id", "distance"}]}."""
    with named_files():
        index = load_index(index_path)
        lines = _query_lines(queries, 2 * index.hash_bytes)
        while batch := list(itertools.islice(lines, QUERY_BATCH)):
            answers: Sequence[Sequence[Any]] = index.query_many(batch, threshold)
            out = sys.stdout
            for text, matches in zip(batch, answers, strict=True):
                found = [{"id": m.id, "distance": m.distance} for m in matches]
                out.write(json.dumps({"query": text.lower(), "matches": found}) + "\n")
        sys.stdout.flush()


@app.command("info")
def info_command(
    index_path: Annotated[Path, typer.Argument(metavar="INDEX", help="Snapshot to describe.")],
    check: Annotated[bool, typer.Option("--verify", help="Also check every array's checksum.")] = False,
) -> None:
    """Describe an index snapshot as JSON: signal, count, layout, size."""
    with named_files():
        index = load_index(index_path, verify=check)
        info = index.info() | {"path": str(index_path), "bytes": index_path.stat().st_size}
    if check:
        info["verified"] = True
    # One key a line, values (such as the per-chunk lists) kept on theirs.
    typer.echo("{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in info.items()) + "\n}")
