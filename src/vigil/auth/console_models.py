"""Tables of console sign-in: a staff user's password and TOTP second factor, and their server-side
sessions. Session ids are stored as SHA-256 digests, like API tokens: the table alone opens nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db.base import Base, UTCDateTime


class UserSecretColumns:
    """A secret handed to one user (a session cookie, an invitation link's secret part), kept as its
    SHA-256 (hex): the first columns of every such table."""

    # A mixin's columns would otherwise come after the table's own; the schema keeps them first.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, sort_order=-2)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, sort_order=-1)


class ConsoleCredential(Base):
    __tablename__ = "console_credentials"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: argon2id, in the PHC string format (parameters and salt inside).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: The TOTP secret sealed with the evidence key (vigil.auth.secret_seal); set at enrolment, confirmed
    #: by a first valid code.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last TOTP time step accepted: a code is good once (no replay within its window).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    #: No password is even checked before this (the back-off after failures).
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last completed sign-in (second factor accepted), shown on the administration's users page.
    last_signin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Per-user console preferences (hide previews ...).
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ConsoleSession(UserSecretColumns, Base):
    __tablename__ = "console_sessions"

    #: ``password`` (second factor or enrolment pending) or ``full``.
    stage: Mapped[str] = mapped_column(String(16))
    #: The token every form of this session carries (compared in constant time).
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: When the current stretch of case review started (the break reminder), None when not reviewing.
    review_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64), default="")


class ConsoleInvitation(UserSecretColumns, Base):
    """A single-use, expiring link by which a staff user sets their password and enrols TOTP."""

    __tablename__ = "console_invitations"

    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the link was used, or replaced by a newer one: it opens nothing afterwards.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The TOTP secret offered for enrolment on the link's page (made at the first visit), sealed.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    failed_codes: Mapped[int] = mapped_column(Integer, default=0)
