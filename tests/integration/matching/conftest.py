from __future__ import annotations

from tests.db_fixtures import db_settings, sessions  # noqa: F401
