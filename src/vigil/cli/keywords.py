"""``vigil keywords``: the search-term list's lifecycle, versions, signed export, and checking queries."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vigil.blocklists.keyword_diff import keyword_diff_to_json
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.keywords import HelpResource, KeywordError, MatchMode, keywords_to_json
from vigil.blocklists.lists import DEFAULT_KEYWORD_LIST, BlocklistError
from vigil.cli.db import cli_actor, open_database
from vigil.cli.list_lifecycle import add_version_commands, fail, parse_time
from vigil.config import Settings
from vigil.db.bounds import DB_BIGINT_MAX
from vigil.signing import SignatureError, sign
from vigil.signing.keyfile import load_or_create_signing_key, signing_key_path

app = typer.Typer(
    name="keywords", help="Search-term list: add, confirm, publish, check queries.", no_args_is_help=True
)

ListName = Annotated[str, typer.Option("--list", help="The keyword list.")]
By = Annotated[str, typer.Option("--by", help="The analyst doing this.")]
Term = Annotated[str, typer.Argument(help="The term, as searchers type it.")]
Language = Annotated[str, typer.Option("--language", help="BCP 47 language of the term.")]


def _service(settings: Settings | None = None) -> KeywordService:
    return KeywordService(open_database(settings or Settings()), cli_actor())


@app.command("add")
def add_command(
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
    try:
        resource = HelpResource(name=help_name, url=help_url, language=language, phone=help_phone)
        keyword = _service().add(
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
    except (BlocklistError, KeywordError) as exc:
        raise fail(exc) from None
    typer.echo(
        f"added {keyword.term!r} ({keyword.language}, {keyword.match}) to {list_name}: awaiting confirmation"
    )


@app.command("confirm")
def confirm_command(
    term: Term, by: By, language: Language = "en", list_name: ListName = DEFAULT_KEYWORD_LIST
) -> None:
    """Verify a term as the second analyst (never the one who added it)."""
    try:
        _service().confirm(term, by=by, language=language, list_name=list_name)
    except BlocklistError as exc:
        raise fail(exc) from None
    typer.echo(f"confirmed {term!r} ({language}) on {list_name}")


@app.command("remove")
def remove_command(
    term: Term,
    by: By,
    reason: Annotated[str, typer.Option("--reason", help="Why it comes off.")] = "",
    language: Language = "en",
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """Take a term off the list (from the next published version)."""
    try:
        _service().remove(term, by=by, reason=reason, language=language, list_name=list_name)
    except BlocklistError as exc:
        raise fail(exc) from None
    typer.echo(f"removed {term!r} ({language}) from {list_name}")


@app.command("expire")
def expire_command(
    term: Term,
    by: By,
    at: Annotated[str | None, typer.Option("--at", help="When (ISO 8601; default now).")] = None,
    language: Language = "en",
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """Set when a term stops being published."""
    try:
        _service().expire(term, by=by, at=parse_time(at), language=language, list_name=list_name)
    except BlocklistError as exc:
        raise fail(exc) from None
    typer.echo(f"{term!r} ({language}) expires {at or 'now'}")


@app.command("show")
def show_command(list_name: ListName = DEFAULT_KEYWORD_LIST) -> None:
    """The live terms with who added and confirmed each."""
    try:
        entries = _service().entries(list_name)
    except BlocklistError as exc:
        raise fail(exc) from None
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
    query: Annotated[str, typer.Argument(help="A search query.")],
    language: Annotated[str | None, typer.Option("--language", help="The searcher's language.")] = None,
    list_name: ListName = DEFAULT_KEYWORD_LIST,
) -> None:
    """The listed terms a query matches (latest published version) and the warning to show."""
    try:
        result = _service().check(query, language=language, list_name=list_name)
    except BlocklistError as exc:
        raise fail(exc) from None
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
    settings = Settings()
    service = _service(settings)
    try:
        latest = service.version(list_name)
        if since == latest.serial:
            typer.echo(f"{list_name}: nothing changed since serial {since}", err=True)
            return
        text = (
            keywords_to_json(latest)
            if since is None
            else keyword_diff_to_json(service.diff(list_name, since))
        )
        data = text.encode("utf-8")
        signature = sign(data, load_or_create_signing_key(signing_key_path(settings)))
    except (BlocklistError, SignatureError) as exc:
        raise fail(exc) from None
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    output.write_bytes(data)
    output.with_name(output.name + ".sig").write_text(signature, encoding="ascii")
    typer.echo(f"{list_name} serial {latest.serial}: {output} and {output.name}.sig", err=True)
