"""``vigil scan``: forensic triage of folders and archives against known lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import TextColumn

from vigil.cli.hashing import options_from
from vigil.cli.progress import file_progress
from vigil.cli.runner_options import RunnerAddress, RunnerName, start_runner
from vigil.cli.state import sessions_of, settings_of
from vigil.db.bounds import DB_INT_MAX
from vigil.parallel import MAX_JOBS
from vigil.scanning.matching import KnownLists
from vigil.scanning.pipeline import ScanOptions
from vigil.scanning.runners.local import ScanRequest, count_entries, run_scan
from vigil.signals.pdq import PDQ
from vigil.video.matching import Rule

# The database and the index kernels are imported only by scans that use them: a scan's start-up
# delays every file.


def known_from_indexes(paths: list[Path], video_rule: Rule | None = None) -> KnownLists:
    """Standalone index files; a video index matches by ``video_rule`` (its own defaults when None)."""
    known = KnownLists(name=", ".join(p.name for p in paths) or None)
    if not paths:
        return known
    from vigil.index import load_index
    from vigil.index.vpdq import VpdqIndex

    for path in paths:
        index = load_index(path)
        if index.signal in known.indexes:
            raise typer.BadParameter(f"give at most one {index.signal} index", param_hint="--index")
        if isinstance(index, VpdqIndex) and video_rule is not None:
            if index.quality != video_rule.quality:
                raise typer.BadParameter(
                    f"{path.name} keeps video frames of quality >= {index.quality}, "
                    f"VIGIL_VPDQ_QUALITY_THRESHOLD is {video_rule.quality}: build the index again",
                    param_hint="--index",
                )
            index.rule = video_rule
        known.indexes[index.signal] = index
    return known


def _known_from_list(ctx: typer.Context, name: str) -> KnownLists:
    from vigil.scanning.known_lists import known_from_list

    return known_from_list(
        sessions_of(ctx), settings_of(ctx).list_snapshot_dir, name, Rule.from_settings(settings_of(ctx))
    )


def scan_command(
    ctx: typer.Context,
    paths: Annotated[
        list[str], typer.Argument(help="Folders, files or archives to scan.", show_default=False)
    ],
    report: Annotated[Path, typer.Option("--report", help="Folder for the report and checkpoint.")],
    index: Annotated[
        list[Path] | None,
        typer.Option("--index", help="An index snapshot (PDQ or a digest); repeat for several.", exists=True),
    ] = None,
    list_name: Annotated[
        str | None, typer.Option("--list", help="A published hash list of the database (latest version).")
    ] = None,
    threshold: Annotated[
        int, typer.Option(min=0, max=64, help="PDQ match distance.")
    ] = PDQ.default_threshold,
    near: Annotated[int, typer.Option(min=0, max=64, help="PDQ distance for 'near a known series'.")] = 48,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted scan.")] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, max=MAX_JOBS, help="Processes (default: all cores).")
    ] = (None),
    thumbnails: Annotated[
        int, typer.Option(min=0, max=DB_INT_MAX, help="Review-queue thumbnails in report.html.")
    ] = 200,
    exact: Annotated[bool, typer.Option("--exact", help="Decode images at full resolution.")] = False,
    runner: RunnerName = "local",
    runner_address: RunnerAddress = None,
) -> None:
    """Hash and match every file and archive member; write report.json, summary.csv and report.html."""
    settings = settings_of(ctx)
    if index and list_name:
        raise typer.BadParameter("give --list or --index, not both")
    video_rule = Rule.from_settings(settings)
    # An unknown or unpublished list is NotFound, an unreadable snapshot a SnapshotError (Invalid).
    known = _known_from_list(ctx, list_name) if list_name else known_from_indexes(index or [], video_rule)
    request = ScanRequest(
        inputs=paths,
        report_dir=report,
        options=ScanOptions(hashing=options_from(settings, exact=exact, dihedral=True, videos=True)),
        threshold=threshold,
        near_threshold=max(near, threshold),
        jobs=jobs or settings.hash_jobs,
        resume=resume,
        thumbnails=thumbnails,
        lists_label=known.name,
        video_rule=video_rule,
    )
    err = Console(stderr=True)
    with start_runner(runner, request.jobs, runner_address) as executor:
        if err.is_terminal:
            with file_progress(err, "scanning", TextColumn("{task.fields[items]} items")) as progress:
                task = progress.add_task("scan", total=count_entries(request), items=0)
                data = run_scan(
                    request,
                    known,
                    lambda done, items: progress.update(task, completed=done, items=items),
                    executor=executor,
                )
        else:
            data = run_scan(request, known, executor=executor)
    summary = data.summary()
    typer.echo(
        f"{summary['entries']} entries, {summary['items']} items: {summary['known']} known, "
        f"{summary['unknown-image']} unknown images in {summary['clusters']} clusters, "
        f"{summary['error']} errors. Report: {report / 'report.html'}",
        err=True,
    )
