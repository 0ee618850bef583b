"""``vigil lists``: import hash sets, define, publish, export, show and compare hash lists."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.db import cli_actor
from vigil.cli.files import named_files
from vigil.cli.state import sessions_of, settings_of
from vigil.db.bounds import DB_INT_MAX
from vigil.errors import VigilError, restated
from vigil.formats.base import HashSetFormat
from vigil.formats.limits import limits_of
from vigil.formats.registry import get_format
from vigil.formats.vics import VicsFormat
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase
from vigil.hashlists.summary import ImportSummary

app = typer.Typer(name="lists", help="Hash lists: import, publish, export, compare.", no_args_is_help=True)


def _service(ctx: typer.Context) -> HashDatabase:
    return HashDatabase(sessions_of(ctx), cli_actor())


def _format(name: str, profile: str | None = None) -> HashSetFormat:
    try:
        if name == "vics" and profile:
            return VicsFormat(profile)
        return get_format(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _print_summary(summary: ImportSummary) -> None:
    out = Console(soft_wrap=True)
    if summary.dry_run:
        verb = "dry run, nothing written" + ("" if summary.changed else "; nothing would change")
    else:
        verb = "imported" if summary.changed else "nothing changed (already imported)"
    out.print(f"{summary.source}: {verb}, {summary.records} records from {summary.contributor}")
    out.print(
        f"  added {summary.added}, merged {summary.merged}, "
        f"skipped {summary.skipped}, rejected {summary.rejected}"
    )
    for reason, count in summary.rejection_reasons.most_common():
        out.print(f"  rejected {count}: {reason}", markup=False)
    for where, reason in summary.rejection_examples[:10]:
        out.print(f"    {where}: {reason}", markup=False)
    for warning in summary.warnings:
        out.print(f"  warning: {warning}", markup=False)


#: A registered file format, by name.
FormatName = Annotated[str, typer.Option("--format", help="vics, csv, md5sum or pytx.")]


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Hash-set file.")],
    fmt: FormatName,
    contributor: Annotated[str, typer.Option("--contributor", help="Who contributes the file.")],
    list_name: Annotated[
        str | None,
        typer.Option("--list", help="Also make the media members of this list (created if missing)."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Kind of a new contributor: hotline, law_enforcement, ...")
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="ISO country code of a new contributor.")
    ] = None,
    scheme: Annotated[str, typer.Option("--scheme", help="Scheme of the file's categories.")] = "vics-us",
    jurisdiction: Annotated[
        str | None,
        typer.Option("--jurisdiction", help="Jurisdiction of the categories (default: by scheme)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say what would be added, merged, skipped, rejected; write nothing."),
    ] = False,
) -> None:
    """Import a hash set: all or nothing; importing the same file twice changes nothing."""
    settings = settings_of(ctx)
    service = HashDatabase(sessions_of(ctx), cli_actor())
    err = Console(stderr=True)
    status = err.status(f"importing {file.name}") if err.is_terminal else None

    def progress(done: int) -> None:
        if status is not None:
            status.update(f"importing {file.name}: {done:,} records")

    if status is not None:
        status.start()
    try:
        summary = service.import_file(
            file,
            _format(fmt),
            contributor,
            kind=kind,
            country=country,
            list_name=list_name,
            scheme=scheme,
            jurisdiction=jurisdiction,
            progress=progress,
            limits=limits_of(settings),
            dry_run=dry_run,
        )
    except VigilError as exc:
        # Caught to say which file was refused and that the import wrote nothing; the category stays.
        raise restated(exc, f"{file.name}: {exc}; nothing was imported") from exc
    finally:
        if status is not None:
            status.stop()
    _print_summary(summary)


@app.command("create")
def create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new list.")],
    contributor: Annotated[str, typer.Option("--contributor", help="Who defines the list.")],
    category: Annotated[
        list[str] | None, typer.Option("--category", help="scheme:code, e.g. vics-us:1.")
    ] = None,
    scheme: Annotated[list[str] | None, typer.Option("--scheme", help="Accepted in this scheme.")] = None,
    jurisdiction: Annotated[list[str] | None, typer.Option("--jurisdiction", help="Accepted here.")] = None,
    source: Annotated[
        list[str] | None, typer.Option("--from", help="Contributed by this contributor.")
    ] = None,
    baseline: Annotated[bool, typer.Option("--baseline-only", help="Only baseline media.")] = False,
    signal: Annotated[
        list[str] | None, typer.Option("--signal", help="Publish only these: md5, pdq, ...")
    ] = None,
    entry_scheme: Annotated[
        str, typer.Option("--entry-scheme", help="Scheme of entries' category.")
    ] = "vics-us",
    recipient: Annotated[list[str] | None, typer.Option("--recipient", help="Who may receive it.")] = None,
    description: Annotated[str, typer.Option("--description")] = "",
) -> None:
    """Define a list by rules (combined with AND); without rules it holds its explicit members only."""
    rules = SelectionRules(
        categories=tuple(category or ()),
        schemes=tuple(scheme or ()),
        jurisdictions=tuple(jurisdiction or ()),
        contributors=tuple(source or ()),
        baseline_only=baseline,
        signal_types=tuple(signal or ()),
        scheme=entry_scheme,
    )
    info = _service(ctx).create_list(name, contributor, rules, recipient or (), description)
    typer.echo(f"created list {info.name}")


@app.command("publish")
def publish_command(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="List to publish.")]
) -> None:
    """Freeze the list's current content as a new immutable version (none if nothing changed)."""
    result = _service(ctx).publish(name)
    if result.new_version:
        typer.echo(
            f"{name} version {result.version}: {result.entries} entries "
            f"(+{result.added} -{result.removed} ~{result.changed}), digest {result.digest}"
        )
    else:
        typer.echo(f"{name}: unchanged since version {result.version} ({result.entries} entries)")


@app.command("export")
def export_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="List to export.")],
    fmt: FormatName,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default: standard output).")
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", min=1, max=DB_INT_MAX, help="Version (default: latest).")
    ] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="VICS profile: default or us.")] = None,
) -> None:
    """Write a published version of a list."""
    chosen = _format(fmt, profile)
    target: IO[bytes]
    try:
        with named_files(), output.open("wb") if output else nullcontext(sys.stdout.buffer) as target:
            result = _service(ctx).export(name, chosen, target, version)
    except BaseException:
        # A failed export leaves no partial file behind to be mistaken for a list.
        if output is not None:
            output.unlink(missing_ok=True)
        raise
    where = str(output) if output else "standard output"
    typer.echo(f"{name} version {result.version}: {result.written} entries to {where}", err=True)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command("show")
def show_command(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="A list (default: all lists).")] = None,
) -> None:
    """The lists with their latest versions, or one list's rules and versions."""
    service = _service(ctx)
    out = Console(soft_wrap=True)
    if name is None:
        table = Table("list", "members", "version", "entries", "rules")
        for info in service.lists():
            rules = {k: v for k, v in info.rules.to_json().items() if v and k != "scheme"}
            table.add_row(
                info.name,
                str(info.members),
                str(info.latest_version or "-"),
                str(info.latest_entries if info.latest_entries is not None else "-"),
                str(rules or "members only"),
            )
        out.print(table)
        return
    details = service.show(name)
    info = details.info
    out.print(f"list {info.name}: {info.description or 'no description'}", markup=False)
    out.print(f"  rules: {info.rules.to_json()}", markup=False)
    out.print(
        f"  recipients: {', '.join(info.recipients) or '-'}; explicit members: {info.members}", markup=False
    )
    table = Table("version", "published", "by", "entries", "added", "removed", "digest")
    for v in details.versions:
        table.add_row(
            str(v.version),
            v.published_at.isoformat(timespec="seconds"),
            v.published_by,
            str(v.entry_count),
            str(v.added_count),
            str(v.removed_count),
            v.digest[:16],
        )
    out.print(table)


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="First list (e.g. a domestic set).")],
    b: Annotated[str, typer.Argument(help="Second list (e.g. the shared database).")],
    show: Annotated[
        int, typer.Option("--show", min=0, max=DB_INT_MAX, help="Also print up to N hashes of each group.")
    ] = 0,
) -> None:
    """What is in both lists, only in A, only in B (one item per shared hash)."""
    service = _service(ctx)
    result = service.compare(a, b)
    typer.echo(f"A = {result.a} ({result.a_source}), B = {result.b} ({result.b_source})")
    groups = (
        ("both", result.both),
        (f"only in {result.a}", result.only_a),
        (f"only in {result.b}", result.only_b),
    )
    for label, ids in groups:
        typer.echo(f"{label}: {len(ids)}")
        if show and ids:
            for record in service.describe_media(ids[:show]):
                typer.echo(f"  {record.sha256 or '-'} {record.md5 or '-'} {record.sha1 or '-'}")
