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
from vigil.cli.runner_options import RunnerAddress, RunnerName, start_runner
from vigil.cli.state import settings_of
from vigil.config import Settings
from vigil.parallel import MAX_JOBS
from vigil.signals.batch import hash_many, iter_paths
from vigil.signals.content import HashOptions, HashResult, VideoOptions
from vigil.signals.crypto import SHA256
from vigil.signals.pdq import PDQ
from vigil.signals.regions import PDQ_REGIONS
from vigil.signals.values import Signals, layout
from vigil.video.limits import VideoLimits
from vigil.video.signal import VPDQ


def csv_columns(*, dihedral: bool, regions: bool = False) -> list[str]:
    """``path``, the signals always written, ``error``, then plugins' digests (one column each, named
    after the type), ``pdq_regions`` when computed (``regions``) and, with ``dihedral``, the variants
    (space-separated)."""
    empty = Signals()
    variants = list(empty.variants_json()) if dihedral else []
    optional = [n for n in layout().optional if regions or n != PDQ_REGIONS.name]
    return ["path", *empty.to_json(), "error", *optional, *variants]


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    table = "table"


def options_from(
    settings: Settings,
    *,
    exact: bool,
    dihedral: bool,
    videos: bool = False,
    seconds_per_hash: float | None = None,
) -> HashOptions:
    """``videos``: decode videos for their vPDQ (``vigil hash``, ``vigil scan``)."""
    video = None
    if videos:
        every = settings.vpdq_seconds_per_hash if seconds_per_hash is None else seconds_per_hash
        video = VideoOptions(VideoLimits.from_settings(settings), every)
    return HashOptions(
        limits=settings.image_limits(),
        fast=settings.pdq_fast and not exact,
        dihedral=dihedral,
        regions=settings.pdq_regions,
        video=video,
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
    runner: RunnerName = "local",
    runner_address: RunnerAddress = None,
    seconds_per_hash: Annotated[
        float | None,
        typer.Option(
            "--seconds-per-hash",
            min=0,
            help="Seconds between the frames of a video that vPDQ hashes; 0: every frame "
            "(default VIGIL_VPDQ_SECONDS_PER_HASH, 1).",
        ),
    ] = None,
) -> None:
    """Hash files: MD5, SHA-1, SHA-256 of every file; PDQ of every image; vPDQ of every video. Exit 1 if
    any file failed."""
    settings = settings_of(ctx)
    options = options_from(
        settings, exact=exact, dihedral=dihedral, videos=True, seconds_per_hash=seconds_per_hash
    )
    with start_runner(runner, jobs or settings.hash_jobs, runner_address) as executor:
        results = hash_many(iter_paths(paths), options, executor=executor)
        err = Console(stderr=True)
        if err.is_terminal:
            results = _with_progress(results, sum(1 for _ in iter_paths(paths)), err)
        failed = _write(results, output_format, dihedral, sys.stdout, regions=options.regions)
    raise typer.Exit(1 if failed else 0)


def _with_progress(results: Iterator[HashResult], total: int, console: Console) -> Iterator[HashResult]:
    with file_progress(console, "hashing") as progress:
        task = progress.add_task("hash", total=total)
        for result in results:
            progress.advance(task)
            yield result


def _frames_cell(vpdq: str | None) -> str:
    return "" if vpdq is None else f"{vpdq.count(chr(10)) + 1} frames"


def _write(
    results: Iterator[HashResult], fmt: OutputFormat, dihedral: bool, out: TextIO, *, regions: bool = False
) -> bool:
    failed = False
    if fmt is OutputFormat.table:
        table = Table("path", "size", SHA256.name, PDQ.name, "q", VPDQ.name, "error")
        for r in results:
            failed |= r.error is not None
            table.add_row(
                r.path,
                str(r.signals.size or ""),
                (r.signals.get(SHA256.name) or "")[:16],
                r.signals.get(PDQ.name) or "",
                "" if (quality := r.signals.quality_of(PDQ.name)) is None else str(quality),
                _frames_cell(r.signals.get(VPDQ.name)),
                r.error or "",
            )
        Console(file=out, width=200).print(table)
        return failed
    writer = None
    if fmt is OutputFormat.csv:
        writer = csv.DictWriter(
            out, fieldnames=csv_columns(dihedral=dihedral, regions=regions), lineterminator="\n"
        )
        writer.writeheader()
    for r in results:
        failed |= r.error is not None
        row = r.as_dict(dihedral=dihedral)
        if writer is not None:
            writer.writerow({k: " ".join(v) if isinstance(v, list) else v for k, v in row.items()})
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return failed
