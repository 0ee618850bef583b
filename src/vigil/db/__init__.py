"""Relational storage: the declarative base, engines and sessions built from Settings, Alembic migrations."""
