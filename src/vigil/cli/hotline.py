"""``vigil hotline``: the queue worker that runs scheduled hotline work, a one-shot sweep, and intake
from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.cli.db import cli_actor, open_database
from vigil.config import Settings

app = typer.Typer(name="hotline", help="Notice and takedown: worker, sweep, reports.", no_args_is_help=True)


@app.command("worker")
def worker_command(
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker threads.")] = 2,
) -> None:
    """Run the job queue's consumer: periodic sweeps, fetches, re-checks, notices (until interrupted)."""
    from vigil.hotline.jobs import HotlineJobs, make_queue
    from vigil.hotline.runtime import build_hotline

    settings = Settings()
    sessions = open_database(settings)
    queue = make_queue(settings)
    HotlineJobs(queue, lambda: build_hotline(settings, sessions))
    queue.create_consumer(workers=workers, periodic=True).run()


@app.command("sweep")
def sweep_command() -> None:
    """Do all due hotline work once, in this process (instead of a worker, e.g. from cron)."""
    from vigil.hotline.recheck import run_due
    from vigil.hotline.runtime import build_hotline

    settings = Settings()
    hotline = build_hotline(settings, open_database(settings))
    try:
        typer.echo(f"cases worked: {run_due(hotline, cli_actor())}")
    finally:
        hotline.close()


@app.command("report")
def report_command(
    url: Annotated[str, typer.Argument(help="The URL to report.")],
    description: Annotated[str, typer.Option("--description", help="What was seen there.")] = "",
) -> None:
    """Record a report as an analyst (it joins the open case of the same URL)."""
    from vigil.hotline.runtime import build_hotline
    from vigil.hotline.service import HotlineError, HotlineService

    settings = Settings()
    hotline = build_hotline(settings, open_database(settings))
    try:
        done = HotlineService(hotline, cli_actor()).submit(
            url, source="analyst", submitted_by=cli_actor(), description=description
        )
    except HotlineError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        hotline.close()
    typer.echo(f"case {done.case_id}{' (already open)' if done.duplicate else ''}: {done.url}")


@app.command("case")
def case_command(
    case_id: Annotated[int, typer.Argument(min=1, help="The case number.")],
    as_json: Annotated[bool, typer.Option("--json", help="The whole case page as JSON.")] = False,
) -> None:
    """A case as staff see it: state, assessments and, for a page, each item with its own match."""
    import json

    from vigil.hotline.caseview import case_view

    settings = Settings()
    sessions = open_database(settings)
    with sessions() as session:
        view = case_view(session, case_id)
    if view is None:
        typer.echo(f"error: no case {case_id}", err=True)
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps(view, default=str, indent=2))
        return
    typer.echo(f"case {view['id']}: {view['url']}")
    typer.echo(f"state: {view['state']}")
    for a in view["assessments"]:
        typer.echo(f"assessed: {a['scheme']} {a['category']} → {a['verdict']} by {a['assessed_by']}")
    matched = view["matched_item"]
    if matched is not None:
        typer.echo(
            f"matched item #{matched['position']}: {matched['url']} "
            f"({matched['matched_on']}, distance {matched['distance']})"
        )
    for item in view["items"]:
        found = f" {item['scheme']} {item['category']} ({item['verdict']})" if item["verdict"] else ""
        why = f" - {item['error']}" if item["error"] else ""
        typer.echo(f"  #{item['position']} {item['outcome']}{found}: {item['url']}{why}")
