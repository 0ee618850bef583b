"""Tables of users and their API tokens. Tokens are stored as SHA-256 digests, never in clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.auth.roles import Role
from vigil.db.base import Base, UTCDateTime, utcnow

_ROLES = ", ".join(repr(r.value) for r in Role)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLES})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    #: Disabled users keep their rows (the journal names them) but no token of theirs works.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: SHA-256 (hex) of the whole token: a high-entropy secret needs no salt or slow hash.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's first characters, so that an operator can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    #: When the token last opened a request, to a minute or so (written at most once a minute, and
    #: only when the authenticator's cache misses: see ``vigil.auth.authenticate``).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
