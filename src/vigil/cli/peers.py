"""``vigil peers``: federated instances this one pulls from and shares with; ``vigil peers keys``: this
instance's federation signing keys (docs/federation.md). A thin layer over vigil.federation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from vigil.cli.db import cli_actor
from vigil.cli.options import PsiJson, PsiOutput, PsiSets
from vigil.cli.state import sessions_of, settings_of
from vigil.federation.policy import Direction, SharingPolicy

if TYPE_CHECKING:
    from vigil.federation.peer_votes import Rehomed

app = typer.Typer(
    name="peers", help="Federation: peers, pulls, sharing policies, keys.", no_args_is_help=True
)
keys_app = typer.Typer(name="keys", help="This instance's federation signing keys.", no_args_is_help=True)
app.add_typer(keys_app)

#: A year of minutes: the longest schedule.
MINUTES_MAX = 525_600


def _service(ctx: typer.Context) -> Any:
    from vigil.federation.peers import PeerService

    return PeerService(sessions_of(ctx), settings_of(ctx).federation_keys, cli_actor())


@app.command("add")
def add_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The peer's name here; also the user name it presents here.")],
    url: Annotated[str, typer.Argument(help="Base URL of the peer's Vigil API (https://…).")],
    token: Annotated[str, typer.Option("--token", help="The API token (role peer) this instance presents.")],
    key: Annotated[
        Path, typer.Option("--key", exists=True, dir_okay=False, help="The peer's public key (PEM).")
    ],
    kind: Annotated[str, typer.Option("--kind", help="The peer's contributor kind.")] = "hotline",
    country: Annotated[str | None, typer.Option("--country", help="The peer's country (ISO 3166).")] = None,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", help="Its categories are votes in this jurisdiction.")
    ] = None,
    pull: Annotated[
        list[str] | None, typer.Option("--pull", help="A list of the peer's to pull; repeat.")
    ] = None,
    share: Annotated[
        list[str] | None, typer.Option("--share", help="A list of ours it may read; repeat.")
    ] = None,
    instance: Annotated[
        str | None, typer.Option("--instance", help="Its instance id (default: learnt).")
    ] = None,
    every: Annotated[
        int, typer.Option("--every", min=0, max=MINUTES_MAX, help="Minutes between scheduled pulls; 0: none.")
    ] = 15,
    recipient: Annotated[
        list[str] | None, typer.Option("--recipient", help="Recipient of the local copies of its lists.")
    ] = None,
) -> None:
    """Add a peer: where it is, the token to present, its pinned key, whose votes its categories are."""
    policy = SharingPolicy(
        lists_out=tuple(share or ()),
        lists_in=tuple(pull or ()),
        recipients_in=tuple(recipient or ()),
        jurisdiction=jurisdiction,
        pull_minutes=every,
    )
    info = _service(ctx).add(
        name, url, token, key.read_bytes(), kind=kind, country=country, policy=policy, instance=instance
    )
    typer.echo(f"peer {info.name} added: {info.url}, key {', '.join(info.trusted_keys)}")


@app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Peers, their keys, last pull, and each pulled list's checkpoint."""
    out = Console(soft_wrap=True)
    table = Table("name", "url", "instance", "enabled", "keys", "last pull", "error", "checkpoints")
    for info in _service(ctx).peers():
        table.add_row(
            info.name,
            info.url,
            info.instance or "-",
            "yes" if info.enabled else "no",
            " ".join(info.trusted_keys)
            + (f" (revoked {' '.join(info.revoked_keys)})" if info.revoked_keys else ""),
            info.last_pull_at.isoformat(timespec="seconds") if info.last_pull_at else "-",
            (info.last_error or "")[:80],
            "; ".join(
                f"{c.remote_list}→{c.local_list} v{c.version} at {c.cursor} ({c.records} records, "
                f"{c.tombstones} retracted)"
                for c in info.checkpoints
            ),
        )
    out.print(table)


@app.command("remove")
def remove_command(ctx: typer.Context, name: str) -> None:
    """Remove a peer, its trusted keys, checkpoints and token (what it brought stays, with provenance)."""
    _service(ctx).remove(name)
    typer.echo(f"peer {name} removed")


@app.command("policy")
def policy_command(
    ctx: typer.Context,
    name: str,
    share: Annotated[list[str] | None, typer.Option("--share", help="Lists of ours it may read.")] = None,
    pull: Annotated[list[str] | None, typer.Option("--pull", help="Lists of its to pull.")] = None,
    out_signal: Annotated[list[str] | None, typer.Option("--out-signal")] = None,
    out_category: Annotated[list[str] | None, typer.Option("--out-category")] = None,
    out_scheme: Annotated[list[str] | None, typer.Option("--out-scheme")] = None,
    in_signal: Annotated[list[str] | None, typer.Option("--in-signal")] = None,
    in_category: Annotated[list[str] | None, typer.Option("--in-category")] = None,
    in_scheme: Annotated[list[str] | None, typer.Option("--in-scheme")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction")] = None,
    every: Annotated[int | None, typer.Option("--every", min=0, max=MINUTES_MAX)] = None,
    enable: Annotated[bool | None, typer.Option("--enable/--disable")] = None,
    show: Annotated[bool, typer.Option("--show", help="Only print the policy.")] = False,
) -> None:
    """Change what goes out to a peer (--share, --out-*) and what comes in (--pull, --in-*, --jurisdiction).
    An option given replaces that part of the policy; one not given keeps it."""
    service = _service(ctx)
    if not show:
        current = service.show(name).policy
        changes: dict[str, Any] = {}
        if share is not None:
            changes["lists_out"] = tuple(share)
        if pull is not None:
            changes["lists_in"] = tuple(pull)
        if any(v is not None for v in (out_signal, out_category, out_scheme)):
            changes["out"] = Direction(
                tuple(out_signal if out_signal is not None else current.out.signal_types),
                tuple(out_category if out_category is not None else current.out.categories),
                tuple(out_scheme if out_scheme is not None else current.out.schemes),
            )
        if any(v is not None for v in (in_signal, in_category, in_scheme)):
            changes["into"] = Direction(
                tuple(in_signal if in_signal is not None else current.into.signal_types),
                tuple(in_category if in_category is not None else current.into.categories),
                tuple(in_scheme if in_scheme is not None else current.into.schemes),
            )
        if jurisdiction is not None:
            changes["jurisdiction"] = jurisdiction or None
        if every is not None:
            changes["pull_minutes"] = every
        if enable is not None:
            changes["enabled"] = enable
        votes = service.set_policy(name, **changes).votes
        if votes is not None:
            # On stderr: stdout stays the policy's JSON, for scripts.
            typer.echo(_describe_votes(name, votes), err=True)
    import json

    typer.echo(json.dumps(service.show(name).policy.to_json(), indent=2))


def _describe_votes(name: str, votes: Rehomed) -> str:
    if not votes.moves and not votes.merged:
        return f"the votes of {name} are in place: none moved"
    moves = ", ".join(f"{m.votes} {m.scheme} {m.source} → {m.target}" for m in votes.moves) or "none"
    return (
        f"votes of {name} moved: {votes.moved} ({moves}), {votes.merged} merged; "
        f"baseline version {votes.baseline_version}"
    )


@app.command("pull")
def pull_command(ctx: typer.Context, name: str) -> None:
    """Pull the peer's lists now, batch by batch (resumes from the checkpoints; safe to interrupt)."""
    from vigil.cli.progress import RateColumn
    from vigil.federation.pull import Puller

    puller = Puller(settings_of(ctx), sessions_of(ctx), cli_actor())
    err = Console(stderr=True)
    bar = Progress(TextColumn("{task.description}"), TextColumn("{task.completed:,} records"),
                   RateColumn("records"), TimeElapsedColumn(), console=err, transient=True,
                   disable=not err.is_terminal)  # fmt: skip
    with bar:
        task = bar.add_task(f"pulling {name}", total=None)

        def progress(state: Any) -> None:
            bar.update(task, description=f"{name}/{state.remote_list}", completed=state.applied.records)

        result = puller.pull(name, progress)
    for done in result.lists:
        a = done.applied
        if done.recopied is not None:
            typer.echo(
                f"{name}/{done.remote_list}: the sharing terms changed; {done.recopied} members taken off "
                f"{done.local_list} and the list copied again"
            )
        typer.echo(
            f"{name}/{done.remote_list} → {done.local_list}: version {done.version}, {done.batches} batches, "
            f"{a.records} records (added {a.added}, merged {a.merged}, skipped {a.skipped}, "
            f"rejected {a.rejected}), {a.tombstones} retracted, {a.own} own, {a.filtered} filtered"
        )
    for local, version in result.published.items():
        typer.echo(f"published {local} version {version}")


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    name: str,
    sets: PsiSets = None,
    out: PsiOutput = None,
    as_json: PsiJson = False,
) -> None:
    """Learn which media and series this instance holds in common with the peer, and how many, without
    either side showing the rest (private set intersection; journalled on both sides)."""
    from vigil.cli.psi import run_compare
    from vigil.federation.peers import get_peer, read_token
    from vigil.federation.pull import check_address

    settings = settings_of(ctx)
    with sessions_of(ctx)() as session:
        url = get_peer(session, name).url
    pinned = check_address(url, settings.federation_allow_private)
    run_compare(ctx, url, read_token(settings.federation_keys, name), sets or (), out, as_json, pinned)


@app.command("worker")
def worker_command(
    ctx: typer.Context, workers: Annotated[int, typer.Option("--workers", min=1, max=8)] = 1
) -> None:
    """Run scheduled pulls: the federation queue's consumer (until interrupted)."""
    from vigil.federation.jobs import QUEUE_NAME, FederationJobs
    from vigil.federation.pull import Puller
    from vigil.hotline.jobs import make_queue
    from vigil.logs import configure_logging

    settings = settings_of(ctx)
    sessions = sessions_of(ctx)
    configure_logging(settings)
    queue = make_queue(settings, QUEUE_NAME)
    FederationJobs(queue, lambda: Puller(settings, sessions, "worker:federation"))
    queue.create_consumer(workers=workers, periodic=True).run()


@keys_app.command("list")
def keys_list_command(ctx: typer.Context) -> None:
    """This instance's keys: which signs, which are retired or revoked."""
    from vigil.federation.keys import all_keys

    table = Table("key id", "created", "state", "endorsed by")
    with sessions_of(ctx)() as session:
        for k in all_keys(session):
            state = "revoked" if k.revoked_at else "retired" if k.retired_at else "signing"
            endorser = k.endorsement.split()[1] if k.endorsement else "-"
            table.add_row(k.key_id, k.created_at.isoformat(timespec="seconds"), state, endorser)
    Console(soft_wrap=True).print(table)


@contextmanager
def _own_keys(ctx: typer.Context) -> Iterator[tuple[Session, Path, str]]:
    """A transaction on this instance's signing keys: the session, the keys' folder, the instance's name."""
    from vigil.federation.batches import instance_name

    settings = settings_of(ctx)
    instance = instance_name(settings)
    with sessions_of(ctx)() as session, session.begin():
        yield session, settings.federation_keys, instance


@keys_app.command("rotate")
def keys_rotate_command(ctx: typer.Context) -> None:
    """Make a new signing key, endorsed by the current one (which is retired: it still verifies)."""
    from vigil.audit import journal
    from vigil.federation.keys import rotate

    with _own_keys(ctx) as (session, folder, instance):
        row = rotate(session, folder, instance)
        journal.append(session, cli_actor(), "federation.key_rotate", f"key/{row.key_id}", {})
        typer.echo(f"signing key {row.key_id}")


@keys_app.command("export")
def keys_export_command(ctx: typer.Context) -> None:
    """Print the current signing key's public half (PEM): what a peer passes to ``peers add --key``."""
    from vigil.federation.keys import signing_key
    from vigil.signing import public_key_to_pem

    with _own_keys(ctx) as (session, folder, instance):
        key = signing_key(session, folder, instance)
        typer.echo(public_key_to_pem(key.private.public_key()).decode("ascii"), nl=False)


@keys_app.command("revoke")
def keys_revoke_command(
    ctx: typer.Context,
    key_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the key).")] = "",
) -> None:
    """Revoke a key: peers stop trusting it, and what it signed, at their next pull."""
    from vigil.audit import journal
    from vigil.federation.keys import revoke

    with sessions_of(ctx)() as session, session.begin():
        revoke(session, key_id, reason)
        journal.append(session, cli_actor(), "federation.key_revoke", f"key/{key_id}", {"reason": reason})
    typer.echo(f"key {key_id} revoked")
