"""``vigil hash``: files and folders → signals, as JSONL, CSV or a table."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.progress import file_progress
from vigil.cli.state import settings_of
from vigil.config import Settings
from vigil.parallel import MAX_JOBS
from vigil.signals.batch import hash_many, iter_paths
from vigil.signals.content import FileSignals, HashOptions
from vigil.signals.registry import extra_digest_types

CSV_COLUMNS = ("path", "size", "md5", "sha1", "sha256", "pdq", "pdq_quality", "error")


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    table = "table"


def options_from(settings: Settings, *, exact: bool, dihedral: bool) -> HashOptions:
    return HashOptions(
        limits=settings.image_limits(), fast=settings.pdq_fast and not exact, dihedral=dihedral
    )


def hash_command(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Files or folders (recursed).", show_default=False)],
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.jsonl
    ),
    exact: Annotated[bool, typer.Option("--exact", help="Decode at full resolution.")] = False,
    dihedral: Annotated[
        bool, typer.Option("--dihedral", help="Add the 8 dihedral PDQ hashes (pdq_dihedral).")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, max=MAX_JOBS, help="Processes (default: all cores).")
    ] = (None),
) -> None:
    """Hash files: MD5, SHA-1, SHA-256 of every file; PDQ of every image. Exit 1 if any file failed."""
    settings = settings_of(ctx)
    options = options_from(settings, exact=exact, dihedral=dihedral)
    results = hash_many(iter_paths(paths), options, jobs or settings.hash_jobs)
    err = Console(stderr=True)
    if err.is_terminal:
        results = _with_progress(results, sum(1 for _ in iter_paths(paths)), err)
    failed = _write(results, output_format, dihedral, sys.stdout)
    raise typer.Exit(1 if failed else 0)


def _with_progress(results: Iterator[FileSignals], total: int, console: Console) -> Iterator[FileSignals]:
    with file_progress(console, "hashing") as progress:
        task = progress.add_task("hash", total=total)
        for result in results:
            progress.advance(task)
            yield result


def _write(results: Iterator[FileSignals], fmt: OutputFormat, dihedral: bool, out: TextIO) -> bool:
    failed = False
    if fmt is OutputFormat.table:
        table = Table("path", "size", "sha256", "pdq", "q", "error")
        for r in results:
            failed |= r.error is not None
            table.add_row(
                r.path,
                str(r.size or ""),
                (r.sha256 or "")[:16],
                r.pdq or "",
                "" if r.pdq_quality is None else str(r.pdq_quality),
                r.error or "",
            )
        Console(file=out, width=200).print(table)
        return failed
    writer = None
    if fmt is OutputFormat.csv:
        # A plugin's digest type (e.g. sha512) is one more column, named after it.
        columns = [*CSV_COLUMNS, *extra_digest_types()] + (["pdq_dihedral"] if dihedral else [])
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
    for r in results:
        failed |= r.error is not None
        row = r.as_dict(dihedral=dihedral)
        if writer is not None:
            if dihedral:
                row["pdq_dihedral"] = " ".join(r.pdq_dihedral or [])
            writer.writerow(row)
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return failed
