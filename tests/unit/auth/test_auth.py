"""Tokens, audiences and the rate limiter: the parts of auth that need no database."""

from __future__ import annotations

from vigil.auth.roles import Role, audiences, may_receive
from vigil.auth.tokens import new_token, plausible, same_digest, shown_prefix, token_digest
from vigil.web.limits import RateLimiter


def test_tokens_are_random_long_and_hashed() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = next(iter(tokens))
    assert token.startswith("vigil_") and len(token) >= 40 and plausible(token)
    digest = token_digest(token)
    assert len(digest) == 64 and token not in digest
    assert same_digest(digest, token_digest(token)) and not same_digest(digest, token_digest(token + "x"))
    assert shown_prefix(token) == token[:12]
    assert not plausible("Bearer abc") and not plausible("vigil_" + "x" * 300) and not plausible("vigil_é")


def test_who_receives_which_list() -> None:
    assert audiences(Role.member, "acme") == {"member", "industry", "acme"}
    for role in (Role.admin, Role.analyst, Role.investigator):
        assert may_receive(role, "x", [])
    assert not may_receive(Role.member, "acme", [])
    assert may_receive(Role.member, "acme", ["industry"])
    assert may_receive(Role.isp, "net-1", ["isp"]) and not may_receive(Role.isp, "net-1", ["industry"])
    assert may_receive(Role.peer, "vigil-nl", ["vigil-nl"])


def test_token_bucket() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == 0.5
    assert limiter.take("b") == 0.0
    now[0] = 0.5
    assert limiter.take("a") == 0.0 and limiter.take("a") > 0
    assert RateLimiter(rate=0, burst=1).take("x") == 0.0
