"""``vigil keywords``: the search-term list's lifecycle, versions, signed export, and checking queries."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vigil.blocklists.keyword_diff import keyword_diff_to_json
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.keywords import HelpResource, MatchMode, keywords_to_json
from vigil.blocklists.lists import DEFAULT_KEYWORD_LIST
from vigil.cli.db import cli_actor
from vigil.cli.list_lifecycle import add_version_commands, parse_time
from vigil.cli.state import sessions_of, settings_of
from vigil.db.bounds import DB_BIGINT_MAX
from vigil.signing import sign
from vigil.signing.keyfile import load_or_create_signing_key, signing_key_path

app = typer.Typer(
    name="keywords", help="Search-term list: add, confirm, publish, check queries.", no_args_is_help=True
)

ListName = Annotated[str, typer.Option("--list", help="The keyword list.")]
By = Annotated[str, typer.Option("--by", help="The analyst doing this.")]
Term = Annotated[str, typer.Argument(help="The term, as searchers type it.")]
Language = Annotated[str, typer.Option("--language", help="BCP 47 language of the term.")]


def _service(ctx: typer.Context) -> KeywordService:
    return KeywordService(sessions_of(ctx), cli_actor())


@app.command("add")
def add_command(
    ctx: typer.Context,
    term: Term,
    by: By,
    warning: Annotated[str, typer.Option("--warning", help="What the search engine shows.")],
    help_name: Annotated[str, typer.Option("--help-name", help="The help service's name.")],
    help_url: Annotated[str, typer.Option("--help-url", help="Its https address.")],
    help_phone: Annotated[str | None, typer.Option("--help-phone", help="Its phone number.")] = None,
    language: Language = "en",
    match: Annotated[MatchMode, typer.Option("--match", help="word, phrase or substring.")] = "phrase",
    category: Annotated[str, typer.Option("--category", help="Category label.")] = "",
    expires: Annotated[str | None, typer.Option("--expires", help="When it stops (ISO 8601).")] = None,
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """Put a term forward; a second, different analyst must confirm it before it is published."""
    resource = HelpResource(name=help_name, url=help_url, language=language, phone=help_phone)
    keyword = _service(ctx).add(
        term,
        by=by,
        warning=warning,
        help=resource,
        language=language,
        match=match,
        category=category,
        expires_at=parse_time(expires),
        list_name=list_name,
    )
    typer.echo(
        f"added {keyword.term!r} ({keyword.language}, {keyword.match}) to {list_name}: awaiting confirmation"
    )


@app.command("confirm")
def confirm_command(
    ctx: typer.Context,
    term: Term,
    by: By,
    language: Language = "en",
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """Verify a term as the second analyst (never the one who added it)."""
    _service(ctx).confirm(term, by=by, language=language, list_name=list_name)
    typer.echo(f"confirmed {term!r} ({language}) on {list_name}")


@app.command("remove")
def remove_command(
    ctx: typer.Context,
    term: Term,
    by: By,
    reason: Annotated[str, typer.Option("--reason", help="Why it comes off.")] = "",
    language: Language = "en",
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """Take a term off the list (from the next published version)."""
    _service(ctx).remove(term, by=by, reason=reason, language=language, list_name=list_name)
    typer.echo(f"removed {term!r} ({language}) from {list_name}")


@app.command("expire")
def expire_command(
    ctx: typer.Context,
    term: Term,
    by: By,
    at: Annotated[str | None, typer.Option("--at", help="When (ISO 8601; default now).")] = None,
    language: Language = "en",
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """Set when a term stops being published."""
    _service(ctx).expire(term, by=by, at=parse_time(at), language=language, list_name=list_name)
    typer.echo(f"{term!r} ({language}) expires {at or 'now'}")


@app.command("show")
def show_command(ctx: typer.Context, list_name: ListName = DEFAULT_KEYWORD_LIST) -> None:
    """The live terms with who added and confirmed each."""
    entries = _service(ctx).entries(list_name)
    typer.echo("term\tlanguage\tmatch\tadded by\tconfirmed by\thelp")
    for keyword, added_by, confirmed_by in entries:
        fields = (
            keyword.term,
            keyword.language,
            keyword.match,
            added_by,
            confirmed_by or "-",
            keyword.help.url,
        )
        typer.echo("\t".join(fields))


add_version_commands(
    app, _service, default_list=DEFAULT_KEYWORD_LIST, list_help="The keyword list.", noun="terms"
)


@app.command("check")
def check_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A search query.")],
    language: Annotated[str | None, typer.Option("--language", help="The searcher's language.")] = None,
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """The listed terms a query matches (latest published version) and the warning to show."""
    result = _service(ctx).check(query, language=language, list_name=list_name)
    if not result.matched:
        typer.echo("no listed term matched")
        return
    for keyword in result.matches:
        typer.echo(f"matched: {keyword.term!r} ({keyword.language}, {keyword.match})")
    typer.echo(f"warning: {result.warning}")
    if result.help is not None:
        phone = f", {result.help.phone}" if result.help.phone else ""
        typer.echo(f"help: {result.help.name} <{result.help.url}>{phone}")


@app.command("export")
def export_command(
    ctx: typer.Context,
    since: Annotated[
        int | None,
        typer.Option("--since", min=0, max=DB_BIGINT_MAX, help="Only the changes since this serial."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File; its signature goes to FILE.sig.")
    ] = None,
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """Write the latest version as JSON (or its changes since a serial), signed with Ed25519."""
    settings = settings_of(ctx)
    service = _service(ctx)
    latest = service.version(list_name)
    if since == latest.serial:
        typer.echo(f"{list_name}: nothing changed since serial {since}", err=True)
        return
    text = keywords_to_json(latest) if since is None else keyword_diff_to_json(service.diff(list_name, since))
    data = text.encode("utf-8")
    signature = sign(data, load_or_create_signing_key(signing_key_path(settings)))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    output.write_bytes(data)
    output.with_name(output.name + ".sig").write_text(signature, encoding="ascii")
    typer.echo(f"{list_name} serial {latest.serial}: {output} and {output.name}.sig", err=True)
