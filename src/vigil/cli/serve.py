"""``vigil serve``: the web API under uvicorn."""

from __future__ import annotations

import functools
import logging
from typing import Annotated

import typer

from vigil.cli.state import sessions_of, settings_of
from vigil.logs import configure_logging, uvicorn_log_config
from vigil.parallel import MAX_JOBS

log = logging.getLogger(__name__)


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=MAX_JOBS, help="Worker processes (each loads the indexes).")
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
) -> None:
    """Serve the API (OpenAPI at /api/docs). Settings come from VIGIL_* variables."""
    import uvicorn

    settings = settings_of(ctx)
    sessions_of(ctx).kw["bind"].dispose()  # exits with a clear message unless migrated
    configure_logging(settings)
    log.info("Vigil API on http://%s:%d (docs at /api/docs, console at /console)", host, port)
    # uvicorn applies log_config in each process it starts (one per worker), then sets its loggers' level.
    run = functools.partial(
        uvicorn.run,
        host=host,
        port=port,
        access_log=access_log,
        log_config=uvicorn_log_config(settings),
        log_level=settings.log_level.lower(),
    )
    if workers == 1:
        from vigil.web.app import create_app

        run(create_app(settings))
    else:
        # Each worker process builds its own app from the same environment.
        run("vigil.web.app:create_app_from_environment", factory=True, workers=workers)
