"""Database fixtures for this folder: each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
