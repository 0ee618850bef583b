"""Rows found by their unique ``name`` (lists, contributors, peers, users ...): one query, one refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.db.base import Base

M = TypeVar("M", bound=Base)


def find_named(session: Session, model: type[M], name: str) -> M | None:
    """The row of ``model`` called ``name``, or None."""
    column = getattr(model, "name")  # noqa: B009 - every model passed here has a unique name column
    return session.execute(select(model).where(column == name)).scalar_one_or_none()


def get_named(session: Session, model: type[M], name: str, missing: Callable[[str], Exception]) -> M:
    """The row of ``model`` called ``name``; ``missing(name)`` is raised when there is none."""
    found = find_named(session, model, name)
    if found is None:
        raise missing(name)
    return found
