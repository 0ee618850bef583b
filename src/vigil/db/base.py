"""The declarative base every model derives from, and the column types shared by all domains.

Constraint names follow one convention so that Alembic migrations (batch mode on SQLite recreates tables)
can name and drop them identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import CheckConstraint, DateTime, Dialect, MetaData, Table
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Modules whose import registers models on :data:`Base.metadata`; Alembic and tests load them all.
MODEL_MODULES: Final = (
    "vigil.hashlists.models",
    "vigil.audit.models",
    "vigil.auth.models",
    "vigil.hotline.models",
    "vigil.blocklists.models",
    "vigil.auth.console_models",
    "vigil.hotline.case_locks",
    "vigil.matching.usage",
    "vigil.federation.models",
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def core_table(model: type[Base]) -> Table:
    """The Core table of a model, for bulk statements that need none of the ORM's per-row work."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """The check that ``column`` holds one of ``values``, named after the column (the migrations' name)."""
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=column)


def load_models() -> MetaData:
    """Import every model module so that the metadata is complete (for Alembic and schema checks)."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite keeps no time zone, so values are stored as naive UTC and handed back aware; comparing naive
    and aware datetimes would otherwise fail at run time depending on the backend.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Vigil stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
