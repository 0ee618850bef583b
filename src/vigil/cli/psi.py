"""``vigil psi``: learn which media and series this instance holds in common with a peer, and nothing else."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vigil.cli.db import cli_actor
from vigil.cli.options import PsiJson, PsiOutput, PsiSets
from vigil.cli.progress import file_progress
from vigil.cli.state import sessions_of, settings_of
from vigil.federation.address import PinnedAddress
from vigil.federation.psi_client import compare
from vigil.federation.psi_sets import set_names

app = typer.Typer(name="psi", help="Private set intersection with a peer Vigil.", no_args_is_help=True)


def _token(token: str | None, token_file: Path | None) -> str:
    if token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip()
    if not token:
        raise typer.BadParameter("give the peer's token with --token or --token-file")
    return token


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The peer's base URL, e.g. https://vigil.example.org")],
    token: Annotated[str | None, typer.Option(help="An API token of the peer's 'peer' role.")] = None,
    token_file: Annotated[Path | None, typer.Option(help="A file holding the token.", dir_okay=False)] = None,
    sets: PsiSets = None,
    out: PsiOutput = None,
    as_json: PsiJson = False,
) -> None:
    """Compare holdings with a peer: both learn the counts, this side the common values (journalled)."""
    run_compare(ctx, url, _token(token, token_file), sets or (), out, as_json)


def run_compare(
    ctx: typer.Context,
    url: str,
    secret: str,
    sets: Sequence[str],
    out: Path | None,
    as_json: bool,
    pinned: PinnedAddress | None = None,
) -> None:
    """Compare with the peer at ``url`` and print the result (`vigil psi compare`, `vigil peers compare`
    with the registered peer's checked address, ``pinned``)."""
    settings = settings_of(ctx)
    console = Console(stderr=True)
    with file_progress(console, "PSI (values blinded and compared)") as bar:
        task = bar.add_task("psi", total=None)
        result = compare(
            url,
            secret,
            sessions_of(ctx),
            cli_actor(),
            sets,
            max_items=settings.psi_max_items,
            progress=lambda n: bar.advance(task, n),
            pinned=pinned,
        )
    data = result.to_json()
    if out is not None:
        out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    if as_json:
        if out is not None:  # the values went to the file: print their counts
            data["sets"] = {n: {**s, "common": len(s["common"])} for n, s in data["sets"].items()}
        json.dump(data, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    for item in result.sets:
        typer.echo(f"{item.name}: {len(item.common)} in common (ours {item.ours}, theirs {item.theirs})")
        if out is None:
            for value in item.common:
                typer.echo(f"  {value}")


@app.command("sets")
def sets_command() -> None:
    """The sets a comparison can name."""
    for name in set_names():
        typer.echo(name)
