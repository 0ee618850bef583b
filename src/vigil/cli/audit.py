"""``vigil audit``: check the audit journal's hash chain."""

from __future__ import annotations

import typer

from vigil.audit.journal import verify
from vigil.cli.state import sessions_of

app = typer.Typer(name="audit", help="The audit journal.", no_args_is_help=True)


@app.command("verify")
def verify_command(ctx: typer.Context) -> None:
    """Check every entry's hash and link; exit 1 if an entry was edited, deleted or cut off."""
    with sessions_of(ctx)() as session:
        result = verify(session)
    if result.ok:
        typer.echo(f"audit journal intact: {result.entries} entries")
        return
    for problem in result.problems:
        typer.echo(f"tampered: {problem}", err=True)
    typer.echo(
        f"audit journal NOT intact: {len(result.problems)} problems in {result.entries} entries", err=True
    )
    raise typer.Exit(1)
