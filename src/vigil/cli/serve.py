"""``vigil serve``: the web API under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.cli.db import open_database
from vigil.config import Settings
from vigil.parallel import MAX_JOBS


def serve_command(
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

    settings = Settings()
    open_database(settings).kw["bind"].dispose()  # exits with a clear message unless migrated
    typer.echo(f"Vigil API on http://{host}:{port} (docs at /api/docs)", err=True)
    if workers == 1:
        from vigil.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, access_log=access_log, log_level="info")
    else:
        # Each worker process builds its own app from the same environment.
        uvicorn.run(
            "vigil.web.app:create_app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            log_level="info",
        )
