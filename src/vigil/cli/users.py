"""``vigil users`` and ``vigil tokens``: operators manage API users and tokens (a thin layer over
vigil.auth). A token is printed once, when it is made; the database keeps only its SHA-256."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vigil.auth.roles import Role
from vigil.auth.service import IssuedToken, UserService
from vigil.cli.db import cli_actor
from vigil.cli.state import sessions_of
from vigil.db.bounds import DB_INT_MAX

app = typer.Typer(name="users", help="API users and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(name="tokens", help="API tokens: issue, list, revoke.", no_args_is_help=True)


def _service(ctx: typer.Context) -> UserService:
    return UserService(sessions_of(ctx), cli_actor())


def _print_token(issued: IssuedToken) -> None:
    typer.echo(f"user {issued.user.name} ({issued.user.role.value}), token {issued.token.id}:", err=True)
    # The secret alone on standard output, so that scripts can capture it.
    typer.echo(issued.secret)
    typer.echo("store it now: it is not shown again.", err=True)


@app.command("add")
def add_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name (a person or an organisation's system).")],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")],
) -> None:
    """Create a user and print their first API token (once)."""
    issued = _service(ctx).add_user(name, role.value)
    _print_token(issued)


@app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Users with their roles and live tokens."""
    table = Table("id", "name", "role", "active", "tokens", "created", "by")
    for user in _service(ctx).users():
        table.add_row(
            str(user.id),
            user.name,
            user.role.value,
            "yes" if user.active else "no",
            str(user.tokens),
            user.created_at.isoformat(timespec="seconds"),
            user.created_by,
        )
    Console(soft_wrap=True).print(table)


@app.command("disable")
def disable_command(ctx: typer.Context, name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Disable a user: none of their tokens works any more (they stay in the journal)."""
    _service(ctx).set_active(name, False)
    typer.echo(f"user {name} disabled")


@app.command("password")
def password_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A staff user (admin, analyst, investigator).")],
    stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")
    ] = False,
    reset_totp: Annotated[
        bool, typer.Option("--reset-totp", help="Forget their authenticator: they enrol again at sign-in.")
    ] = False,
) -> None:
    """Set a staff user's console password (argon2id); their open console sessions end."""
    import sys

    from vigil.auth.console import ConsoleAuth

    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    ConsoleAuth(sessions_of(ctx)).set_password(name, password, cli_actor(), reset_totp)
    typer.echo(f"console password of {name} set" + (" (TOTP reset)" if reset_totp else ""))


@app.command("invite")
def invite_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A staff user (admin, analyst, investigator).")],
    hours: Annotated[float, typer.Option(min=0.1, max=720, help="How long the link works.")] = 72,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the console is served, as staff reach it.")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Print a single-use, expiring link by which a staff user sets their console password and enrols
    their authenticator (earlier links of theirs stop working)."""
    from datetime import timedelta

    from vigil.auth.console import ConsoleAuth
    from vigil.auth.invitations import Invitations

    made = Invitations(ConsoleAuth(sessions_of(ctx))).invite(name, cli_actor(), timedelta(hours=hours))
    typer.echo(
        f"invitation for {name}, good once until {made.expires_at.isoformat(timespec='minutes')}:", err=True
    )
    # The link alone on standard output, so that scripts can capture it.
    typer.echo(made.url(base_url))


@tokens_app.command("issue")
def issue_command(ctx: typer.Context, name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Print a new token for an existing user (once)."""
    issued = _service(ctx).issue_token(name)
    _print_token(issued)


@tokens_app.command("list")
def tokens_command(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
) -> None:
    """Tokens (their first characters only), with who made and who revoked them."""
    tokens = _service(ctx).tokens(name)
    table = Table("id", "user", "prefix", "created", "revoked")
    for token in tokens:
        revoked = token.revoked_at.isoformat(timespec="seconds") if token.revoked_at else "-"
        table.add_row(
            str(token.id),
            token.user,
            token.prefix + "…",
            token.created_at.isoformat(timespec="seconds"),
            revoked,
        )
    Console(soft_wrap=True).print(table)


@tokens_app.command("revoke")
def revoke_command(
    ctx: typer.Context,
    token_id: Annotated[
        int, typer.Argument(metavar="ID", min=1, max=DB_INT_MAX, help="Token id (see `vigil tokens list`).")
    ],
) -> None:
    """Revoke a token. Running API processes stop accepting it within their token cache time (5 s)."""
    token = _service(ctx).revoke_token(token_id)
    typer.echo(f"token {token.id} of {token.user} revoked")
