"""Browser tests: Debian's chromium driven by Playwright against a real uvicorn on loopback."""

from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
