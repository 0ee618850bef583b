"""Users and tokens: one method per use case, each one transaction, each change journalled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.auth.accounts import Account, accounts
from vigil.auth.models import ApiToken, User
from vigil.auth.roles import Role
from vigil.auth.tokens import new_token, shown_prefix, token_digest
from vigil.db.base import utcnow
from vigil.errors import Conflict, Invalid, NotFound


class AuthError(Invalid):
    """A user or token request that cannot be done as asked."""


class UnknownUserError(NotFound, AuthError):
    pass


class UnknownTokenError(NotFound, AuthError):
    pass


class UserExistsError(Conflict, AuthError):
    pass


# UserInfo, TokenInfo and IssuedToken are also the API's answers (/api/v1/users, /tokens), served as they
# are: their fields are the allow-list of what the API shows, so a field added here is published.
@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime
    created_by: str
    #: Tokens not revoked.
    tokens: int


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    user_id: int
    user: str
    prefix: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    #: When the token last opened a request (to about a minute); None if never.
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token. ``secret`` exists only here: the database keeps its digest."""

    user: UserInfo
    token: TokenInfo
    #: The token itself: shown this once, kept nowhere (the database holds its SHA-256).
    secret: str


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise AuthError(f"unknown role {value!r}; known: {known}") from None


def _user_info(session: Session, user: User) -> UserInfo:
    live = session.execute(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).scalar_one()
    return UserInfo(
        user.id, user.name, Role(user.role), user.active, user.created_at, user.created_by, int(live)
    )


def _token_info(token: ApiToken, user: User) -> TokenInfo:
    return TokenInfo(
        token.id,
        user.id,
        user.name,
        token.prefix,
        token.created_at,
        token.created_by,
        token.revoked_at,
        token.last_used_at,
    )


def _find_user(session: Session, who: str | int) -> User:
    if isinstance(who, int):
        user = session.get(User, who)
    else:
        user = session.execute(select(User).where(User.name == who)).scalar_one_or_none()
    if user is None:
        raise UnknownUserError(f"no user {who!r}")
    return user


class LastAdminError(Conflict, AuthError):
    """The change would leave no active admin (nobody could manage users any more)."""


class SelfChangeError(Conflict, AuthError):
    """An admin may not disable or demote themselves (another admin must)."""


def _other_active_admins(session: Session, user: User) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.admin.value, User.active.is_(True), User.id != user.id)
        ).scalar_one()
    )


class UserService:
    def __init__(self, sessions: sessionmaker[Session], actor: str, user_id: int | None = None) -> None:
        self.sessions = sessions
        self.actor = actor
        #: The acting user's id, when known: they may not disable or demote themselves.
        self.user_id = user_id

    def _guard_admin_loss(self, session: Session, user: User, what: str) -> None:
        """Refuse to take an active admin away when it is the acting user or the last one."""
        if user.role != Role.admin.value or not user.active:
            return
        if self.user_id is not None and user.id == self.user_id:
            raise SelfChangeError(f"an admin cannot {what} themselves")
        if _other_active_admins(session, user) == 0:
            raise LastAdminError(f"{user.name!r} is the last active admin")

    def add_user(self, name: str, role: str) -> IssuedToken:
        """Create a user with a first token."""
        name = name.strip()
        if not name or len(name) > 200 or not name.isprintable():
            raise AuthError("a user needs a printable name of at most 200 characters")
        chosen = _role(role)
        with self.sessions() as session, session.begin():
            if session.execute(select(User.id).where(User.name == name)).first() is not None:
                raise UserExistsError(f"user {name!r} exists")
            user = User(name=name, role=chosen.value, active=True, created_by=self.actor[:200])
            session.add(user)
            session.flush()
            journal.append(session, self.actor, "users.add", f"user/{user.id}", {"name": name, "role": role})
            return self._issue(session, user)

    def issue_token(self, who: str | int) -> IssuedToken:
        """Another token for an existing user (tokens are never shown twice: lost means new)."""
        with self.sessions() as session, session.begin():
            return self._issue(session, _find_user(session, who))

    def _issue(self, session: Session, user: User) -> IssuedToken:
        secret = new_token()
        token = ApiToken(
            user_id=user.id,
            token_hash=token_digest(secret),
            prefix=shown_prefix(secret),
            created_by=self.actor[:200],
        )
        session.add(token)
        session.flush()
        journal.append(
            session,
            self.actor,
            "tokens.issue",
            f"token/{token.id}",
            {"user": user.name, "prefix": token.prefix},
        )
        return IssuedToken(_user_info(session, user), _token_info(token, user), secret)

    def revoke_token(self, token_id: int) -> TokenInfo:
        """Revoke a token; revoking a revoked token changes nothing and is no error."""
        with self.sessions() as session, session.begin():
            token = session.get(ApiToken, token_id)
            if token is None:
                raise UnknownTokenError(f"no token {token_id}")
            user = session.get(User, token.user_id)
            assert user is not None
            if token.revoked_at is None:
                token.revoked_at, token.revoked_by = utcnow(), self.actor[:200]
                journal.append(session, self.actor, "tokens.revoke", f"token/{token.id}", {"user": user.name})
            return _token_info(token, user)

    def set_active(self, who: str | int, active: bool) -> UserInfo:
        """Disable a user (no token or console session of theirs works) or enable them again; never
        yourself, never the last active admin."""
        with self.sessions() as session, session.begin():
            user = _find_user(session, who)
            if not active:
                self._guard_admin_loss(session, user, "disable")
            if user.active != active:
                user.active = active
                action = "users.enable" if active else "users.disable"
                journal.append(session, self.actor, action, f"user/{user.id}", {"name": user.name})
            return _user_info(session, user)

    def set_role(self, who: str | int, role: str) -> UserInfo:
        """Give a user another role (journalled with the old one); an admin may not demote themselves,
        nor the last active admin be demoted."""
        chosen = _role(role)
        with self.sessions() as session, session.begin():
            user = _find_user(session, who)
            if user.role == chosen.value:
                return _user_info(session, user)
            if chosen is not Role.admin:
                self._guard_admin_loss(session, user, "demote")
            before, user.role = user.role, chosen.value
            journal.append(
                session,
                self.actor,
                "users.role",
                f"user/{user.id}",
                {"name": user.name, "from": before, "to": chosen.value},
            )
            return _user_info(session, user)

    def accounts(self) -> list[Account]:
        """Every user with their console sign-in state (the administration's users page)."""
        with self.sessions() as session:
            return accounts(session)

    def users(self) -> list[UserInfo]:
        with self.sessions() as session:
            users = session.execute(select(User).order_by(User.name)).scalars().all()
            return [_user_info(session, u) for u in users]

    def user(self, who: str | int) -> UserInfo:
        with self.sessions() as session:
            return _user_info(session, _find_user(session, who))

    def tokens(self, who: str | int | None = None) -> list[TokenInfo]:
        with self.sessions() as session:
            query = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
            if who is not None:
                query = query.where(User.id == _find_user(session, who).id)
            return [_token_info(t, u) for t, u in session.execute(query)]
