"""The newest row (or value) of a table by some order: the query every "latest version", "current key"
and "last hosting" lookup is."""

from __future__ import annotations

from typing import Any, TypeVar, overload

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")


@overload
def latest(
    session: Session, what: type[T], order: InstrumentedAttribute[Any], *where: ColumnElement[bool]
) -> T | None: ...


@overload
def latest(
    session: Session,
    what: InstrumentedAttribute[T],
    order: InstrumentedAttribute[Any],
    *where: ColumnElement[bool],
) -> T | None: ...


def latest(
    session: Session, what: Any, order: InstrumentedAttribute[Any], *where: ColumnElement[bool]
) -> Any:
    """``what`` (a model or one of its columns) of the row ``where`` picks that comes last by ``order``,
    or None when there is no such row."""
    return session.execute(select(what).where(*where).order_by(order.desc()).limit(1)).scalar_one_or_none()
