"""``vigil exchanges``: fetch from python-threatexchange exchanges (NCMEC, StopNCII, ThreatExchange, files)
into hash lists, from where the last fetch stopped. Needs the ``vigil[pytx]`` extra."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from vigil.cli.db import cli_actor
from vigil.cli.progress import file_progress
from vigil.cli.state import sessions_of, settings_of
from vigil.db.bounds import DB_INT_MAX

app = typer.Typer(
    name="exchanges", help="Fetch from python-threatexchange exchanges into lists.", no_args_is_help=True
)


def _config(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise typer.BadParameter(f"--config is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise typer.BadParameter("--config is a JSON object of the exchange's collaboration config")
    return value


@app.command("fetch")
def fetch_command(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="This exchange's name here (its state: data_dir/exchanges/NAME).")
    ],
    list_name: Annotated[str, typer.Option("--list", help="The list the fetched media join.")],
    contributor: Annotated[str, typer.Option(help="Who the fetched hashes come from (e.g. NCMEC).")],
    api: Annotated[
        str | None,
        typer.Option(
            help="pytx exchange: sample, local_file, ncmec, stop_ncii, fb_threatexchange, tat, module:Class."
        ),
    ] = None,
    config: Annotated[
        str | None, typer.Option(help='Its collaboration config as JSON, or @FILE (e.g. {"filename": …}).')
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Kind of a new contributor (hotline, ngo, …).")] = None,
    max_updates: Annotated[
        int | None,
        typer.Option(min=1, max=DB_INT_MAX, help="Stop after this many records (the next fetch resumes)."),
    ] = None,
) -> None:
    """Fetch what is new since the last fetch (the API and config are remembered after the first)."""
    from vigil.federation.pytx_fetch import ExchangeFetcher

    fetcher = ExchangeFetcher(sessions_of(ctx), settings_of(ctx).data_dir, cli_actor())
    with file_progress(Console(stderr=True), "fetching") as bar:
        task = bar.add_task("fetch", total=None)
        result = fetcher.fetch(
            name,
            list_name,
            contributor,
            api=api,
            config=_config(config),
            kind=kind,
            max_updates=max_updates,
            progress=lambda n: bar.advance(task, n),
        )
    state = "up to date" if result.complete else "stopped early (the next fetch resumes)"
    typer.echo(
        f"{name} ({result.api}): {result.updates} records, {result.added} media added to {list_name}, "
        f"{result.deleted} deleted at the source ({result.withdrawn} taken off {list_name}); {state}"
    )


@app.command("show")
def show_command(ctx: typer.Context, name: str) -> None:
    """An exchange's API, config and checkpoint (JSON)."""
    from vigil.federation.pytx_fetch import ExchangeFetcher

    state = ExchangeFetcher(sessions_of(ctx), settings_of(ctx).data_dir, cli_actor()).state(name)
    shown = {k: state[k] for k in ("api", "config", "checkpoint")} | {"records": len(state["keys"])}
    typer.echo(json.dumps(shown, indent=1))
