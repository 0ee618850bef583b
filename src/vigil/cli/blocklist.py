"""``vigil blocklist``: the URL blocklist's lifecycle, versions, signed exports and their verification.

A thin layer over ``vigil.blocklists.service``: analysts are named with ``--by``; the journal also
records the operating-system user who ran the command.
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from vigil.blocklists.lists import DEFAULT_URL_LIST
from vigil.blocklists.service import DEFAULT_CATEGORY, BlocklistService, EntryInfo
from vigil.blocklists.signed_exports import FORMATS, Exporter
from vigil.cli.db import cli_actor
from vigil.cli.list_lifecycle import add_version_commands, parse_time
from vigil.cli.state import sessions_of, settings_of
from vigil.db.bounds import DB_BIGINT_MAX, DB_INT_MAX
from vigil.signing import SignatureError, public_key_from_pem, public_key_to_pem, verify
from vigil.signing.keyfile import load_or_create_signing_key, signing_key_path

app = typer.Typer(
    name="blocklist", help="URL blocklist: add, confirm, publish, export, verify.", no_args_is_help=True
)

ListName = Annotated[str, typer.Option("--list", help="The URL list.")]
By = Annotated[str, typer.Option("--by", help="The analyst doing this.")]
Target = Annotated[str, typer.Argument(help="A domain (example.com, *.example.com) or a full URL.")]


def _service(ctx: typer.Context) -> BlocklistService:
    return BlocklistService(sessions_of(ctx), cli_actor())


def _describe(entry: EntryInfo, verb: str) -> str:
    return f"{verb} {entry.kind} {entry.shown} on {entry.list_name} ({entry.state(datetime.now(UTC))})"


@app.command("add")
def add_command(
    ctx: typer.Context,
    target: Target,
    by: By,
    reason: Annotated[str, typer.Option("--reason", help="Why it is listed.")] = "",
    wildcard: Annotated[bool, typer.Option("--wildcard", help="Also block every subdomain.")] = False,
    category: Annotated[str, typer.Option("--category", help="Category label.")] = DEFAULT_CATEGORY,
    expires: Annotated[str | None, typer.Option("--expires", help="When it stops (ISO 8601).")] = None,
    report: Annotated[
        int | None, typer.Option("--report", min=1, max=DB_INT_MAX, help="Source hotline report id.")
    ] = None,
    list_name: ListName = DEFAULT_URL_LIST,
) -> None:
    """Put a domain or URL forward; a second, different analyst must confirm it before it is published."""
    entry = _service(ctx).add(
        target,
        by=by,
        list_name=list_name,
        category=category,
        reason=reason,
        wildcard=wildcard,
        expires_at=parse_time(expires),
        source_report_id=report,
    )
    typer.echo(_describe(entry, "added"))


@app.command("confirm")
def confirm_command(
    ctx: typer.Context, target: Target, by: By, list_name: ListName = DEFAULT_URL_LIST
) -> None:
    """Verify an entry as the second analyst (never the one who added it)."""
    entry = _service(ctx).confirm(target, by=by, list_name=list_name)
    typer.echo(_describe(entry, "confirmed"))


@app.command("remove")
def remove_command(
    ctx: typer.Context,
    target: Target,
    by: By,
    reason: Annotated[str, typer.Option("--reason", help="Why it comes off.")] = "",
    list_name: ListName = DEFAULT_URL_LIST,
) -> None:
    """Take an entry off the list (from the next published version)."""
    entry = _service(ctx).remove(target, by=by, reason=reason, list_name=list_name)
    typer.echo(_describe(entry, "removed"))


@app.command("expire")
def expire_command(
    ctx: typer.Context,
    target: Target,
    by: By,
    at: Annotated[str | None, typer.Option("--at", help="When (ISO 8601; default now).")] = None,
    list_name: ListName = DEFAULT_URL_LIST,
) -> None:
    """Set when an entry stops being published."""
    entry = _service(ctx).expire(target, by=by, at=parse_time(at), list_name=list_name)
    typer.echo(_describe(entry, "expires"))


@app.command("show")
def show_command(
    ctx: typer.Context,
    list_name: ListName = DEFAULT_URL_LIST,
    removed: Annotated[bool, typer.Option("--removed", help="Also removed entries.")] = False,
) -> None:
    """The list's entries with who added and confirmed each, and their state."""
    entries = _service(ctx).entries(list_name, include_removed=removed)
    now = datetime.now(UTC)
    # One line per entry, tab-separated: targets are long and scripts read this.
    typer.echo("target\tstate\tadded by\tconfirmed by\tcategory\treason")
    for entry in entries:
        fields = (entry.shown, entry.state(now), entry.added_by, entry.confirmed_by or "-", entry.category)
        typer.echo("\t".join((*fields, entry.reason)))


@app.command("appeal")
def appeal_command(
    ctx: typer.Context,
    target: Target,
    by: By,
    appellant: Annotated[str, typer.Option("--appellant", help="Who appeals (name or contact).")],
    statement: Annotated[str, typer.Option("--statement", help="What the site owner says.")] = "",
    list_name: ListName = DEFAULT_URL_LIST,
) -> None:
    """Record a site owner's appeal against an entry."""
    appeal = _service(ctx).appeal(
        target, appellant=appellant, statement=statement, by=by, list_name=list_name
    )
    typer.echo(f"appeal {appeal.id} against {appeal.target} recorded")


@app.command("resolve")
def resolve_command(
    ctx: typer.Context,
    appeal_id: Annotated[int, typer.Argument(min=1, max=DB_INT_MAX, help="The appeal's number.")],
    by: By,
    uphold: Annotated[
        bool, typer.Option("--uphold/--reject", help="Uphold (the entry comes off) or reject it.")
    ],
    resolution: Annotated[str, typer.Option("--note", help="Why.")],
) -> None:
    """Decide an appeal."""
    appeal = _service(ctx).resolve_appeal(appeal_id, by=by, upheld=uphold, resolution=resolution)
    typer.echo(f"appeal {appeal.id} against {appeal.target}: {appeal.status}")


add_version_commands(app, _service, default_list=DEFAULT_URL_LIST, list_help="The URL list.", noun="entries")


@app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")],
    since: Annotated[
        int | None,
        typer.Option(
            "--since", min=0, max=DB_BIGINT_MAX, help="Only the changes since this serial (rpz, json)."
        ),
    ] = None,
    serial: Annotated[
        int | None, typer.Option("--serial", min=1, max=DB_BIGINT_MAX, help="Version (default: latest).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File; its signature goes to FILE.sig.")
    ] = None,
    list_name: ListName = DEFAULT_URL_LIST,
) -> None:
    """Write a published version (or its changes since a serial), signed with Ed25519."""
    settings = settings_of(ctx)
    exported = Exporter.from_settings(settings, _service(ctx)).export(
        list_name, fmt, since=since, serial=serial
    )
    if exported is None:
        typer.echo(f"{list_name}: nothing changed since serial {since}", err=True)
        return
    if output is None:
        sys.stdout.buffer.write(exported.read_bytes())
        sys.stdout.flush()
        typer.echo(f"{list_name} serial {exported.serial} (signature: use -o FILE)", err=True)
        return
    shutil.copyfile(exported.path, output)
    signature = output.with_name(output.name + ".sig")
    signature.write_text(exported.signature, encoding="ascii")
    typer.echo(f"{list_name} serial {exported.serial}: {output} and {signature}", err=True)


@app.command("verify")
def verify_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The exported file.")],
    signature: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Its .sig file.")],
    key: Annotated[
        Path | None,
        typer.Option("--key", exists=True, dir_okay=False, help="Public key PEM (default: this instance's)."),
    ] = None,
) -> None:
    """Check an export against its detached signature; exit 1 if it does not verify."""
    try:
        if key is not None:
            public = public_key_from_pem(key.read_bytes())
        else:
            path = signing_key_path(settings_of(ctx))
            if not path.exists():
                raise SignatureError(f"no --key given and no signing key at {path}")
            public = load_or_create_signing_key(path).public_key()
        key_id = verify(file.read_bytes(), signature.read_bytes(), public)
    except (SignatureError, ValueError) as exc:
        # Not an error of the command but its answer: "does not verify" is exit 1, as for hotline notices.
        typer.echo(f"error: {file}: NOT verified: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{file}: verified, signed by key {key_id}")


@app.command("key")
def key_command(ctx: typer.Context) -> None:
    """Print the public key that verifies this instance's exports (made on first use)."""
    private = load_or_create_signing_key(signing_key_path(settings_of(ctx)))
    typer.echo(public_key_to_pem(private.public_key()).decode("ascii"), nl=False)
