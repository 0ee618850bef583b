"""What ``vigil blocklist`` and ``vigil keywords`` share: one command shape over the one list lifecycle.

Both sub-apps publish and list versions with the same commands, report errors the same way and read
times the same way; only the entry commands (a URL target, or a term and its language) differ.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from vigil.blocklists.lifecycle import Lifecycle


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 date or time; without a zone it is UTC."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 date or time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def add_version_commands(
    app: typer.Typer,
    service: Callable[[typer.Context], Lifecycle[Any, Any, Any, Any]],
    *,
    default_list: str,
    list_help: str,
    noun: str,
) -> None:
    """Register ``publish`` and ``versions`` on ``app`` (``noun``: what the list holds: entries, terms)."""

    @app.command("publish")
    def publish_command(
        ctx: typer.Context, list_name: str = typer.Option(default_list, "--list", help=list_help)
    ) -> None:
        """Publish the confirmed, unexpired entries as a new immutable version (none if nothing changed)."""
        result = service(ctx).publish(list_name)
        if result.new_version:
            typer.echo(
                f"{list_name} serial {result.serial}: {result.entries} {noun} "
                f"(+{result.added} -{result.removed})"
            )
        else:
            typer.echo(f"{list_name}: unchanged since serial {result.serial} ({result.entries} {noun})")

    @app.command("versions")
    def versions_command(
        ctx: typer.Context, list_name: str = typer.Option(default_list, "--list", help=list_help)
    ) -> None:
        """Every published version."""
        versions = service(ctx).versions(list_name)
        table = Table("serial", "published", "by", noun, "added", "removed")
        for v in versions:
            table.add_row(
                str(v.serial),
                v.published_at.isoformat(),
                v.published_by,
                str(v.entries),
                str(v.added),
                str(v.removed),
            )
        Console(soft_wrap=True).print(table)
