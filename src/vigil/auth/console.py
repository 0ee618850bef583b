"""Console sign-in and sessions: password (argon2id), then a TOTP second factor; sessions kept in the
database (any API process can check them), ended after an idle time or a maximum life.

Only staff (admin, analyst, investigator) have a console. A failed sign-in (unknown name, wrong password,
wrong code) is journalled and makes the user wait longer before the next try (the back-off is kept on
the user's row, so it holds across API processes); a sign-in is journalled too.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.auth import passwords, totp
from vigil.auth.console_models import ConsoleCredential, ConsoleSession
from vigil.auth.models import User
from vigil.auth.roles import STAFF, Role
from vigil.auth.secret_seal import SecretSeal, is_sealed
from vigil.auth.service import AuthError, UnknownUserError
from vigil.auth.tokens import token_digest

#: Failures without a wait; after that the wait doubles with each failure, up to MAX_BACKOFF.
FREE_FAILURES: Final = 2
MAX_BACKOFF: Final = timedelta(minutes=15)
#: last_seen_at is written at most this often (a page of assets is one write, not twenty).
TOUCH_EVERY: Final = timedelta(seconds=15)
STAGE_PASSWORD: Final = "password"  # noqa: S105 - a stage's name, not a secret
STAGE_FULL: Final = "full"
PREFERENCES: Final = frozenset({"hide_previews", "language"})


class SignInError(AuthError):
    """Name, password or code refused; the message never says which."""


class BackoffError(SignInError):
    def __init__(self, wait: float) -> None:
        super().__init__(f"too many failed sign-ins; try again in {max(1, round(wait))} seconds")
        self.wait = wait


@dataclass(frozen=True)
class ConsolePolicy:
    idle: timedelta = timedelta(minutes=30)
    max_life: timedelta = timedelta(hours=12)
    backoff: timedelta = timedelta(seconds=1)
    issuer: str = "Vigil"


@dataclass(frozen=True)
class ConsoleUser:
    """Who a console session belongs to."""

    user_id: int
    name: str
    role: Role
    session_id: int
    stage: str
    csrf: str
    review_since: datetime | None
    preferences: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        return f"console:{self.name}"

    @property
    def signed_in(self) -> bool:
        return self.stage == STAGE_FULL


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str


def enrolment(secret: str, account: str, issuer: str) -> Enrolment:
    uri = totp.provisioning_uri(secret, account, issuer)
    return Enrolment(secret, uri, totp.qr_svg(uri))


def _now() -> datetime:
    return datetime.now(UTC)


class ConsoleAuth:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        policy: ConsolePolicy | None = None,
        clock: Callable[[], datetime] = _now,
        seal: SecretSeal | None = None,
    ) -> None:
        self.sessions = sessions
        self.policy = policy or ConsolePolicy()
        self.clock = clock
        #: Seals TOTP secrets with the evidence key; without it no secret is written (nor read).
        self.seal = seal

    # -- operators ---------------------------------------------------------------------------------

    def set_password(self, name: str, password: str, actor: str, reset_totp: bool = False) -> None:
        """Set a staff user's console password (and, asked, forget their TOTP so they enrol again)."""
        try:
            digest = passwords.hash_password(password)
        except passwords.PasswordPolicyError as exc:
            raise AuthError(str(exc)) from None
        with self.sessions() as session, session.begin():
            user, cred = self._staff_credential(session, name)
            cred.password_hash, cred.failed_signins, cred.blocked_until = digest, 0, None
            if reset_totp:
                cred.totp_secret = cred.totp_confirmed_at = cred.totp_last_step = None
            session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
            journal.append(
                session,
                actor,
                "console.password.set",
                f"user/{user.id}",
                {"name": name, "totp_reset": reset_totp},
            )

    def reset_totp(self, who: str | int, actor: str) -> None:
        """Forget a staff user's authenticator (a lost phone): they enrol again at their next sign-in,
        and their open sessions end now. The password is kept."""
        with self.sessions() as session, session.begin():
            query = select(User).where(User.id == who if isinstance(who, int) else User.name == who)
            user = session.execute(query).scalar_one_or_none()
            if user is None:
                raise UnknownUserError(f"no user {who!r}")
            if Role(user.role) not in STAFF:
                raise AuthError(f"the {user.role} role has no console (staff only)")
            cred = self._credential(session, user.id)
            cred.totp_secret = cred.totp_confirmed_at = cred.totp_last_step = None
            session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
            journal.append(session, actor, "console.totp.reset", f"user/{user.id}", {"name": user.name})

    def enrol_totp(self, name: str, secret: str, actor: str) -> None:
        """Enrol an authenticator for a staff user from a secret the operator hands over (the demo's
        analyst): confirmed at once, so the first sign-in asks for a code rather than enrolment."""
        with self.sessions() as session, session.begin():
            user, cred = self._staff_credential(session, name)
            cred.totp_secret = self.store_secret(secret, f"user:{user.id}")
            cred.totp_confirmed_at, cred.totp_last_step = self.clock(), None
            journal.append(session, actor, "console.totp.enrol", f"user/{user.id}", {"name": name})

    # The TOTP secret as stored: every read and write goes through these (``context`` binds the sealed
    # value to its row, e.g. ``user:7``).
    def _sealer(self) -> SecretSeal:
        if self.seal is None:
            raise AuthError("no key to seal authenticator secrets with (the evidence key)")
        return self.seal

    def store_secret(self, secret: str, context: str) -> str:
        return self._sealer().seal(secret, context)

    def read_secret(self, stored: str, context: str) -> str:
        return self._sealer().open(stored, context)

    def _user_secret(self, cred: ConsoleCredential) -> str | None:
        """The user's secret in clear; one stored before sealing existed is sealed now."""
        if cred.totp_secret is None:
            return None
        context = f"user:{cred.user_id}"
        secret = self.read_secret(cred.totp_secret, context)
        if not is_sealed(cred.totp_secret):
            cred.totp_secret = self.store_secret(secret, context)
        return secret

    @classmethod
    def _staff_credential(cls, session: Session, name: str) -> tuple[User, ConsoleCredential]:
        """A staff user and their console credential, for a change made by an administrator."""
        user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user is None:
            raise UnknownUserError(f"no user {name!r}")
        if Role(user.role) not in STAFF:
            raise AuthError(f"the {user.role} role has no console (staff only)")
        return user, cls._credential(session, user.id)

    @staticmethod
    def _credential(session: Session, user_id: int) -> ConsoleCredential:
        cred = session.get(ConsoleCredential, user_id, with_for_update=True)
        if cred is None:
            cred = ConsoleCredential(user_id=user_id, failed_signins=0, preferences={})
            session.add(cred)
            session.flush()
        return cred

    # -- sign-in -----------------------------------------------------------------------------------

    def _fail(
        self, session: Session, name: str, cred: ConsoleCredential | None, reason: str, address: str
    ) -> None:
        now = self.clock()
        if cred is not None:
            cred.failed_signins += 1
            over = cred.failed_signins - FREE_FAILURES
            if over > 0:
                wait = min(self.policy.backoff * (2 ** (over - 1)), MAX_BACKOFF)
                cred.blocked_until = now + wait
        journal.append(
            session,
            "console",
            "console.signin.failed",
            f"user/{name[:100]}",
            {"reason": reason, "address": address},
        )

    def sign_in(self, name: str, password: str, address: str = "") -> str:
        """Check name and password; a session token at the second-factor stage, else SignInError."""
        name = name.strip()[:200]
        wait: float | None = None
        with self.sessions() as session, session.begin():
            user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
            staff = user is not None and user.active and Role(user.role) in STAFF
            cred = self._credential(session, user.id) if user is not None and staff else None
            now = self.clock()
            if cred is not None and cred.blocked_until is not None and cred.blocked_until > now:
                # Journalled and committed before the refusal (raising here would roll the entry back).
                journal.append(
                    session,
                    "console",
                    "console.signin.failed",
                    f"user/{name[:100]}",
                    {"reason": "backoff", "address": address},
                )
                wait = (cred.blocked_until - now).total_seconds()
        if wait is not None:
            raise BackoffError(wait)
        with self.sessions() as session, session.begin():
            user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
            staff = user is not None and user.active and Role(user.role) in STAFF
            cred = self._credential(session, user.id) if user is not None and staff else None
            ok = passwords.verify_password(cred.password_hash if cred else None, password)
            if not ok or user is None or cred is None:
                self._fail(session, name, cred, "password" if cred else "unknown", address)
                failed = True
            else:
                failed = False
                cred.failed_signins, cred.blocked_until = 0, None
                if cred.password_hash and passwords.needs_rehash(cred.password_hash):
                    cred.password_hash = passwords.hash_password(password)
                token = self._open(session, user.id, STAGE_PASSWORD, address)
        if failed:
            raise SignInError("name, password or code not accepted")
        return token

    def _open(self, session: Session, user_id: int, stage: str, address: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session.add(
            ConsoleSession(
                token_hash=token_digest(token),
                user_id=user_id,
                stage=stage,
                csrf=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + self.policy.max_life,
                address=address[:64],
            )
        )
        return token

    def enrolment(self, token: str) -> Enrolment | None:
        """The TOTP secret to enrol (made now if the user has none confirmed); None when enrolled."""
        with self.sessions() as session, session.begin():
            row = self._row(session, token)
            if row is None:
                raise SignInError("sign in again")
            cred = self._credential(session, row.user_id)
            if cred.totp_confirmed_at is not None:
                return None
            if cred.totp_secret is None:
                cred.totp_secret = self.store_secret(totp.new_secret(), f"user:{row.user_id}")
            secret = self._user_secret(cred)
            assert secret is not None
            user = session.get(User, row.user_id)
            assert user is not None
            return enrolment(secret, user.name, self.policy.issuer)

    def second_factor(self, token: str, code: str, address: str = "") -> str:
        """Check the TOTP code of a session at the password stage; a new token for the full session
        (a new id after sign-in: a session id seen before it is worth nothing)."""
        with self.sessions() as session, session.begin():
            row = self._row(session, token)
            if row is None or row.stage != STAGE_PASSWORD:
                raise SignInError("sign in again")
            user = session.get(User, row.user_id)
            assert user is not None
            cred = self._credential(session, row.user_id)
            now = self.clock()
            if cred.blocked_until is not None and cred.blocked_until > now:
                raise BackoffError((cred.blocked_until - now).total_seconds())
            secret = self._user_secret(cred)
            step = totp.accepted_step(secret, code, now, cred.totp_last_step) if secret else None
            if step is None:
                self._fail(session, user.name, cred, "totp", address)
                failed = True
            else:
                failed = False
                cred.totp_last_step, cred.failed_signins, cred.blocked_until = step, 0, None
                cred.last_signin_at = now
                if cred.totp_confirmed_at is None:
                    cred.totp_confirmed_at = now
                    journal.append(
                        session, f"console:{user.name}", "console.totp.enrol", f"user/{user.id}", {}
                    )
                session.delete(row)
                new = self._open(session, user.id, STAGE_FULL, address)
                journal.append(
                    session,
                    f"console:{user.name}",
                    "console.signin",
                    f"user/{user.id}",
                    {"address": address, "role": user.role},
                )
        if failed:
            raise SignInError("name, password or code not accepted")
        return new

    # -- sessions ----------------------------------------------------------------------------------

    def _row(self, session: Session, token: str) -> ConsoleSession | None:
        if not token or len(token) > 100:
            return None
        row = session.execute(
            select(ConsoleSession).where(ConsoleSession.token_hash == token_digest(token))
        ).scalar_one_or_none()
        if row is None:
            return None
        now = self.clock()
        if row.expires_at <= now or row.last_seen_at + self.policy.idle <= now:
            session.delete(row)
            return None
        return row

    def current(self, token: str) -> ConsoleUser | None:
        """The session's user, if the session is live and its user still an active staff member."""
        with self.sessions() as session, session.begin():
            row = self._row(session, token)
            if row is None:
                return None
            user = session.get(User, row.user_id)
            if user is None or not user.active or Role(user.role) not in STAFF:
                session.delete(row)
                return None
            now = self.clock()
            if now - row.last_seen_at >= TOUCH_EVERY:
                row.last_seen_at = now
            cred = session.get(ConsoleCredential, user.id)
            prefs = dict(cred.preferences or {}) if cred else {}
            return ConsoleUser(
                user.id, user.name, Role(user.role), row.id, row.stage, row.csrf, row.review_since, prefs
            )

    def sign_out(self, token: str) -> None:
        with self.sessions() as session, session.begin():
            row = self._row(session, token)
            if row is not None:
                user = session.get(User, row.user_id)
                session.delete(row)
                name = user.name if user else "?"
                journal.append(session, f"console:{name}", "console.signout", f"user/{row.user_id}", {})

    def set_preference(self, user: ConsoleUser, key: str, value: Any) -> None:
        if key not in PREFERENCES:
            raise AuthError(f"unknown preference {key!r}")
        with self.sessions() as session, session.begin():
            cred = self._credential(session, user.user_id)
            cred.preferences = {**(cred.preferences or {}), key: value}

    def reviewing(self, user: ConsoleUser, start: bool) -> None:
        """Mark the start of a stretch of case review (once), or its end (a break taken)."""
        with self.sessions() as session, session.begin():
            row = session.get(ConsoleSession, user.session_id)
            if row is None:
                return
            if not start:
                row.review_since = None
            elif row.review_since is None:
                row.review_since = self.clock()
