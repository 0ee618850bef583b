"""``vigil demo-seed``: benign demo data and demo users for ``make run`` (see vigil.demo.seed)."""

from __future__ import annotations

import typer
from rich.console import Console

from vigil.cli.state import sessions_of, settings_of
from vigil.demo.seed import seed


def seed_command(ctx: typer.Context) -> None:
    """Create the demo hash list (generated images) and one demo user per role; print new tokens once."""
    settings = settings_of(ctx)
    result = seed(sessions_of(ctx), settings.data_dir)
    out = Console(soft_wrap=True)
    what = "created and published" if result.created_list else "already there"
    out.print(f"demo list {result.list_name!r}: {what}, version {result.version}, {result.entries} entries")
    out.print(f"demo images: {result.folder / 'images'}", markup=False)
    if result.tokens:
        # Plain lines, never cut to the terminal's width: a truncated token is no token.
        out.print("demo users and their tokens (shown once, store them now):")
        for name, role, token in result.tokens:
            typer.echo(f"  {name:<18} {role.value:<13} {token}")
        out.print(
            "try: curl -H 'Authorization: Bearer <member token>' "
            "'http://127.0.0.1:8000/api/v1/lookup?signal_type=md5&signal=<md5 of a demo image>'",
            markup=False,
        )
    if result.existing_users:
        typer.echo(
            f"demo users already exist ({', '.join(result.existing_users)}); "
            "`vigil tokens issue NAME` prints a new token",
            err=True,
        )
