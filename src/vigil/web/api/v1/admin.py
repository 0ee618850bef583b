"""Users, roles and API tokens (admins), and who the caller is (everyone with a token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from vigil.auth.authenticate import Principal
from vigil.auth.roles import ROLE_DESCRIPTIONS, Role
from vigil.auth.service import AuthError, IssuedToken, TokenInfo, UserInfo
from vigil.db.bounds import DB_INT_MAX
from vigil.web.context import Ctx
from vigil.web.policy import require
from vigil.web.problems import PROBLEM_RESPONSES, Problem, bad_request
from vigil.web.roles import ADMIN, EVERYONE

router = APIRouter(tags=["admin"], responses=PROBLEM_RESPONSES)

Id = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


class RoleOut(BaseModel):
    name: Role
    description: str


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role


class UserPatch(BaseModel):
    active: bool


class MeOut(BaseModel):
    user_id: int
    name: str
    role: Role
    token_id: int


Admin = Annotated[Principal, require(*ADMIN)]
AdminChanging = Annotated[Principal, require(*ADMIN, audit="change")]


@router.get("/me", name="me")
async def me(who: Annotated[Principal, require(*EVERYONE)]) -> MeOut:
    """Who this token belongs to."""
    return MeOut(user_id=who.user_id, name=who.name, role=who.role, token_id=who.token_id)


@router.get("/roles", name="roles.index")
async def roles(who: Admin) -> list[RoleOut]:
    return [RoleOut(name=role, description=ROLE_DESCRIPTIONS[role]) for role in Role]


@router.get("/users", name="users.index")
def users(who: Admin, ctx: Ctx) -> list[UserInfo]:
    return ctx.users(who).users()


@router.post("/users", name="users.add", status_code=201)
def users_add(who: AdminChanging, ctx: Ctx, body: UserIn) -> IssuedToken:
    """A new user and their first token (shown once)."""
    try:
        return ctx.users(who).add_user(body.name, body.role.value)
    except AuthError as exc:
        raise bad_request(exc) from None  # a refused name is a malformed request


@router.patch("/users/{user_id}", name="users.update")
def users_update(who: AdminChanging, ctx: Ctx, user_id: Id, body: UserPatch) -> UserInfo:
    """Disable a user (every token of theirs stops working) or enable them again."""
    if user_id == who.user_id and not body.active:
        raise Problem(409, "an admin cannot disable themselves")
    info = ctx.users(who).set_active(user_id, body.active)
    ctx.auth.forget(user_id=user_id)
    return info


@router.get("/users/{user_id}/tokens", name="tokens.index")
def tokens(who: Admin, ctx: Ctx, user_id: Id) -> list[TokenInfo]:
    return ctx.users(who).tokens(user_id)


@router.post("/users/{user_id}/tokens", name="tokens.issue", status_code=201)
def tokens_issue(who: AdminChanging, ctx: Ctx, user_id: Id) -> IssuedToken:
    """Another token for a user (shown once)."""
    return ctx.users(who).issue_token(user_id)


@router.delete("/tokens/{token_id}", name="tokens.revoke")
def tokens_revoke(who: AdminChanging, ctx: Ctx, token_id: Id) -> TokenInfo:
    """Revoke a token: it stops working at once in this process, within the token cache's time elsewhere."""
    info = ctx.users(who).revoke_token(token_id)
    ctx.auth.forget(token_id=token_id)
    return info
