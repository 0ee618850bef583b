"""Dashboard tests: databases on SQLite and PostgreSQL."""

from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
