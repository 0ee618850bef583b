"""``vigil demo-seed``: benign demo data and demo users for ``make run`` (see vigil.demo.seed)."""

from __future__ import annotations

import typer
from rich.console import Console

from vigil.auth.console import ConsoleAuth, ConsolePolicy
from vigil.auth.secret_seal import SecretSeal
from vigil.cli.state import sessions_of, settings_of
from vigil.demo.seed import seed
from vigil.hotline.evidence import load_key

#: Where ``make run`` serves (vigil serve's defaults).
CONSOLE_URL = "http://127.0.0.1:8000/console"


def seed_command(ctx: typer.Context) -> None:
    """Create the demo hash list (generated images) and one demo user per role; print new tokens, and the
    demo analyst's console password and authenticator secret, once."""
    settings = settings_of(ctx)
    sessions = sessions_of(ctx)
    seal = SecretSeal(load_key(settings))
    console = ConsoleAuth(sessions, ConsolePolicy(issuer=settings.hotline_name), seal=seal)
    result = seed(sessions, settings.data_dir, console=console)
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
    if result.console is not None:
        login = result.console
        out.print("console sign-in of the demo analyst (shown once, store it now):")
        typer.echo(f"  console:     {CONSOLE_URL}")
        typer.echo(f"  user:        {login.name}")
        typer.echo(f"  password:    {login.password}")
        typer.echo(f"  TOTP secret: {login.totp_secret}")
        typer.echo(f"  otpauth URI: {login.otpauth_uri}")
        out.print(
            "add the secret (or the URI) to an authenticator app, or print the current code with: "
            f"python -c \"import pyotp; print(pyotp.TOTP('{login.totp_secret}').now())\"",
            markup=False,
        )
    if result.existing_users:
        typer.echo(
            f"demo users already exist ({', '.join(result.existing_users)}); "
            "`vigil tokens issue NAME` prints a new token",
            err=True,
        )
