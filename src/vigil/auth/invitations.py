"""Invitations to the console: an admin makes a single-use, expiring link for a staff user, who opens it,
sets a password and enrols an authenticator (the first valid code confirms it) in one step.

The link's secret is stored as its SHA-256 only. A newer invitation replaces the user's earlier ones;
a link is spent once used, and burnt after a few wrong codes (it is a credential on its own: whoever
holds it may set the password). Making, using and burning an invitation is journalled.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.auth import passwords, totp
from vigil.auth.console import ConsoleAuth, Enrolment, enrolment
from vigil.auth.console_models import ConsoleInvitation, ConsoleSession
from vigil.auth.models import User
from vigil.auth.roles import STAFF, Role
from vigil.auth.service import AuthError, UnknownUserError
from vigil.auth.tokens import token_digest

DEFAULT_TTL: Final = timedelta(hours=72)
MAX_TTL: Final = timedelta(days=30)
#: Wrong codes after which the link is spent (an admin makes another).
MAX_FAILED_CODES: Final = 5


class InvitationError(AuthError):
    """An invitation that cannot be made or used; the message says what the user can do."""


class InvalidInvitationError(InvitationError, LookupError):
    def __init__(self) -> None:
        super().__init__("this invitation link is not valid: used, expired or replaced; ask an admin")


@dataclass(frozen=True)
class InvitationLink:
    token: str
    name: str
    expires_at: datetime

    def url(self, base: str) -> str:
        return f"{base.rstrip('/')}/console/invite/{self.token}"


@dataclass(frozen=True)
class InvitationPage:
    name: str
    role: Role
    expires_at: datetime
    enrolment: Enrolment


class Invitations:
    def __init__(self, auth: ConsoleAuth) -> None:
        self.auth = auth

    def invite(self, name: str, actor: str, ttl: timedelta = DEFAULT_TTL) -> InvitationLink:
        """A new link for ``name`` (a staff user); their earlier unused links stop working."""
        if not timedelta(minutes=5) <= ttl <= MAX_TTL:
            raise InvitationError("an invitation lasts between 5 minutes and 30 days")
        now = self.auth.clock()
        token = secrets.token_urlsafe(32)
        with self.auth.sessions() as session, session.begin():
            user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
            if user is None:
                raise UnknownUserError(f"no user {name!r}")
            if Role(user.role) not in STAFF:
                raise InvitationError(f"the {user.role} role has no console (staff only)")
            if not user.active:
                raise InvitationError(f"user {name!r} is disabled")
            session.execute(
                update(ConsoleInvitation)
                .where(ConsoleInvitation.user_id == user.id, ConsoleInvitation.used_at.is_(None))
                .values(used_at=now)
            )
            invitation = ConsoleInvitation(
                token_hash=token_digest(token),
                user_id=user.id,
                created_by=actor[:200],
                created_at=now,
                expires_at=now + ttl,
                failed_codes=0,
            )
            session.add(invitation)
            session.flush()
            journal.append(
                session,
                actor,
                "console.invite",
                f"user/{user.id}",
                {"name": name, "invitation": invitation.id, "expires_at": invitation.expires_at.isoformat()},
            )
        return InvitationLink(token, name, now + ttl)

    def _live(self, session: Session, token: str) -> tuple[ConsoleInvitation, User]:
        if not token or len(token) > 100:
            raise InvalidInvitationError
        invitation = session.execute(
            select(ConsoleInvitation)
            .where(ConsoleInvitation.token_hash == token_digest(token))
            .with_for_update()
        ).scalar_one_or_none()
        if invitation is None or invitation.used_at is not None or invitation.expires_at <= self.auth.clock():
            raise InvalidInvitationError
        user = session.get(User, invitation.user_id)
        if user is None or not user.active or Role(user.role) not in STAFF:
            raise InvalidInvitationError
        return invitation, user

    @staticmethod
    def _context(invitation: ConsoleInvitation) -> str:
        return f"invitation:{invitation.id}"

    def open(self, token: str) -> InvitationPage:
        """What the link's page shows: who is invited, and the authenticator key to enrol."""
        with self.auth.sessions() as session, session.begin():
            invitation, user = self._live(session, token)
            if invitation.totp_secret is None:
                invitation.totp_secret = self.auth.store_secret(totp.new_secret(), self._context(invitation))
            secret = self.auth.read_secret(invitation.totp_secret, self._context(invitation))
            return InvitationPage(
                user.name,
                Role(user.role),
                invitation.expires_at,
                enrolment(secret, user.name, self.auth.policy.issuer),
            )

    def accept(self, token: str, password: str, code: str, address: str = "") -> str:
        """Set the password and enrol the authenticator of the invited user; their name."""
        try:
            digest = passwords.hash_password(password)
        except passwords.PasswordPolicyError as exc:
            raise InvitationError(str(exc)) from None
        now = self.auth.clock()
        refused: InvitationError | None = None
        name = ""
        with self.auth.sessions() as session, session.begin():
            invitation, user = self._live(session, token)
            name = user.name
            if invitation.totp_secret is None:
                raise InvitationError("open the invitation link again: no key was shown yet")
            secret = self.auth.read_secret(invitation.totp_secret, self._context(invitation))
            step = totp.accepted_step(secret, code, now, None)
            if step is None:
                # Counted and committed before the refusal (raising here would roll it back).
                invitation.failed_codes += 1
                burnt = invitation.failed_codes >= MAX_FAILED_CODES
                if burnt:
                    invitation.used_at = now
                journal.append(
                    session,
                    "console",
                    "console.invite.failed",
                    f"user/{user.id}",
                    {"invitation": invitation.id, "address": address, "burnt": burnt},
                )
                refused = (
                    InvalidInvitationError()
                    if burnt
                    else InvitationError("that code was not accepted; check the authenticator's clock")
                )
            else:
                cred = self.auth._credential(session, user.id)
                cred.password_hash = digest
                cred.totp_secret = self.auth.store_secret(secret, f"user:{user.id}")
                cred.totp_confirmed_at, cred.totp_last_step = now, step
                cred.failed_signins, cred.blocked_until = 0, None
                invitation.used_at = now
                session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
                journal.append(
                    session,
                    f"console:{user.name}",
                    "console.invite.accept",
                    f"user/{user.id}",
                    {"invitation": invitation.id, "address": address},
                )
        if refused is not None:
            raise refused
        return name
