"""The analysts' console under ``/console``: server-rendered pages (Jinja2) over the domain services,
with a little plain JavaScript from its own static folder (no CDN: deployments are often air-gapped).

Pages register with :mod:`.nav` and mount their router in :func:`install`; part two of the console
(hash database, lists, administration) adds its modules the same way.
"""

from __future__ import annotations

from fastapi import FastAPI

from vigil.web.console import (
    admin_pages,
    assets,
    blocklist_pages,
    dashboard_pages,
    hashdb_pages,
    hotline_pages,
    import_pages,
    invitations,
    item_pages,
    journal_pages,
    keyword_pages,
    list_pages,
    preferences,
    series_pages,
    sign_in,
)
from vigil.web.console.guard import install_handlers


def install(app: FastAPI) -> None:
    install_handlers(app)
    for module in (
        assets,
        sign_in,
        hotline_pages,
        item_pages,
        preferences,
        invitations,
        dashboard_pages,
        hashdb_pages,
        series_pages,
        admin_pages,
        journal_pages,
        list_pages,
        import_pages,
        blocklist_pages,
        keyword_pages,
    ):
        app.include_router(module.router)
