"""Console tests: databases on SQLite and PostgreSQL, loopback servers, the connection guard."""

from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
from tests.integration.hotline.servers import connect_guard  # noqa: F401
