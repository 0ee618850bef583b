"""``vigil hotline``: the queue worker that runs scheduled hotline work, a one-shot sweep, intake from the
command line, a case's view, and the check a host makes of a notice it received."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from vigil.cli.db import cli_actor
from vigil.cli.state import sessions_of, settings_of
from vigil.db.bounds import DB_INT_MAX
from vigil.parallel import MAX_JOBS

app = typer.Typer(
    name="hotline", help="Notice and takedown: worker, sweep, reports, cases, notices.", no_args_is_help=True
)


@app.command("worker")
def worker_command(
    ctx: typer.Context,
    workers: Annotated[int, typer.Option("--workers", min=1, max=MAX_JOBS, help="Worker threads.")] = 2,
) -> None:
    """Run the job queue's consumer: periodic sweeps, fetches, re-checks, notices (until interrupted)."""
    from vigil.hotline.jobs import HotlineJobs, make_queue
    from vigil.hotline.runtime import build_hotline
    from vigil.logs import configure_logging

    settings = settings_of(ctx)
    sessions = sessions_of(ctx)
    configure_logging(settings)
    queue = make_queue(settings)
    HotlineJobs(queue, lambda: build_hotline(settings, sessions))
    queue.create_consumer(workers=workers, periodic=True).run()


@app.command("sweep")
def sweep_command(ctx: typer.Context) -> None:
    """Do all due hotline work once, in this process (instead of a worker, e.g. from cron)."""
    from vigil.hotline.recheck import run_due
    from vigil.hotline.runtime import build_hotline
    from vigil.logs import configure_logging

    settings = settings_of(ctx)
    sessions = sessions_of(ctx)
    configure_logging(settings)
    hotline = build_hotline(settings, sessions)
    try:
        typer.echo(f"cases worked: {run_due(hotline, cli_actor())}")
    finally:
        hotline.close()


@app.command("report")
def report_command(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The URL to report.")],
    description: Annotated[str, typer.Option("--description", help="What was seen there.")] = "",
) -> None:
    """Record a report as an analyst (it joins the open case of the same URL)."""
    from vigil.hotline.runtime import build_hotline
    from vigil.hotline.service import HotlineService

    settings = settings_of(ctx)
    hotline = build_hotline(settings, sessions_of(ctx))
    try:
        done = HotlineService(hotline, cli_actor()).submit(
            url, source="analyst", submitted_by=cli_actor(), description=description
        )
    finally:
        hotline.close()
    typer.echo(f"case {done.case_id}{' (already open)' if done.duplicate else ''}: {done.url}")


@app.command("case")
def case_command(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(min=1, max=DB_INT_MAX, help="The case number.")],
    as_json: Annotated[bool, typer.Option("--json", help="The whole case page as JSON.")] = False,
) -> None:
    """A case as staff see it: its state and why (a refusal by the fetch guard, a removal ...), reports,
    assessments, events and, for a page, each item with its own match."""
    from vigil.hotline.caseview import case_view

    with sessions_of(ctx)() as session:
        view = case_view(session, case_id)
    if as_json:
        typer.echo(json.dumps(view, indent=2, default=str))
        return
    reason = f" ({view['state_reason']})" if view["state_reason"] else ""
    typer.echo(f"case {view['id']}: {view['state']}{reason}")
    typer.echo(f"url: {view['url']}")
    typer.echo(
        f"opened: {view['opened_at']}" + (f", closed: {view['closed_at']}" if view["closed_at"] else "")
    )
    for report in view["reports"]:
        sender = f"{report['submitted_by']} ({report['source']})"
        typer.echo(f"report {report['id']}: {report['received_at']} from {sender}")
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
        mine = item["assessment"]
        judged = (
            f" [assessed {mine['category']} ({mine['verdict']}) by {mine['assessed_by']}]" if mine else ""
        )
        typer.echo(f"  #{item['position']} {item['outcome']}{found}{judged}: {item['url']}{why}")
    for event in view["events"]:
        change = f"{event['from_state']} → {event['to_state']}" if event["kind"] == "state" else event["kind"]
        details = ", ".join(f"{k}={v}" for k, v in event["details"].items())
        typer.echo(f"  {event['at']}  {change}  {event['actor']}" + (f"  {details}" if details else ""))


@app.command("key")
def key_command(ctx: typer.Context) -> None:
    """Print the public key that verifies this hotline's notices (PEM; the key is made on first use)."""
    from vigil.hotline.notices import load_signing_key
    from vigil.signing import public_key_to_pem

    typer.echo(public_key_to_pem(load_signing_key(settings_of(ctx)).public_key()).decode("ascii"), nl=False)


@app.command("verify-notice")
def verify_notice_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="The notice as received: the raw e-mail (.eml) or a webhook body.",
        ),
    ],
    key: Annotated[
        list[Path] | None,
        typer.Option(
            "--key", exists=True, dir_okay=False, help="The hotline's public key (PEM); repeat for several."
        ),
    ] = None,
    signature: Annotated[
        str | None,
        typer.Option(
            "--signature", help="A webhook's X-Vigil-Signature header, checked over the exact body."
        ),
    ] = None,
) -> None:
    """Check that a notice comes from the hotline, unchanged; exit 1 if it does not verify."""
    from vigil.hotline.notices import load_signing_key, signing_key_path
    from vigil.hotline.verification import NoticeError, verify_notice
    from vigil.signing import SignatureError, public_key_from_pem

    try:
        if key:
            keys = [public_key_from_pem(k.read_bytes()) for k in key]
        else:
            settings = settings_of(ctx)
            if not signing_key_path(settings).exists():
                raise SignatureError(
                    f"no --key given and no hotline signing key at {signing_key_path(settings)}"
                )
            keys = [load_signing_key(settings).public_key()]
        verified = verify_notice(file.read_bytes(), keys, signature)
    except (SignatureError, NoticeError, ValueError) as exc:
        # Not an error of the command but its answer, which scripts test: "does not verify" is exit 1.
        typer.echo(f"{file}: NOT verified: {exc}", err=True)
        raise typer.Exit(1) from None
    what = " ".join(x for x in (verified.reference, verified.subject and f"({verified.subject})") if x)
    typer.echo(f"{file}: verified {verified.channel} notice {what}, signed by key {verified.key_id}")
