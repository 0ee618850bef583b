"""Staff accounts as the administration page shows them: each user with their role, whether active,
their live tokens, their last console sign-in and whether a second factor is enrolled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.auth.console_models import ConsoleCredential
from vigil.auth.models import ApiToken, User
from vigil.auth.roles import Role


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime
    #: Tokens not revoked.
    tokens: int
    last_signin_at: datetime | None
    #: An authenticator confirmed by a first valid code.
    second_factor: bool
    password_set: bool


def accounts(session: Session) -> list[Account]:
    """Every user, by name (one query: the token count is a correlated subquery)."""
    live = (
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == User.id, ApiToken.revoked_at.is_(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(User, ConsoleCredential, live)
        .outerjoin(ConsoleCredential, ConsoleCredential.user_id == User.id)
        .order_by(User.name)
    )
    return [
        Account(
            user.id,
            user.name,
            Role(user.role),
            user.active,
            user.created_at,
            int(tokens),
            cred.last_signin_at if cred else None,
            bool(cred and cred.totp_confirmed_at is not None),
            bool(cred and cred.password_hash),
        )
        for user, cred, tokens in rows
    ]
