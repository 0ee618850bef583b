"""The roles of docs/api.md and what each may receive.

A role says which routes a user may call (the web layer's policies); a hash list's ``recipients`` say
which lists a non-staff user may download or match against.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final


class Role(StrEnum):
    admin = "admin"
    analyst = "analyst"
    investigator = "investigator"
    member = "member"
    isp = "isp"
    peer = "peer"


ROLE_DESCRIPTIONS: Final = {
    Role.admin: "operators: users, tokens, the audit journal, and everything an analyst does",
    Role.analyst: "hotline analysts: lookups, hash lists, media, series and victims",
    Role.investigator: "law enforcement: lookups, hash lists, media, series and victims",
    Role.member: "industry: hash lookups only",
    Role.isp: "ISPs and search engines: list downloads only",
    Role.peer: "federated Vigil instances: list downloads, private set intersection",
}

#: Roles that work inside the hotline or with it: they see every list, whoever it is meant for.
STAFF: Final = frozenset({Role.admin, Role.analyst, Role.investigator})

#: The contributor kind (hashlists.models.CONTRIBUTOR_KINDS) a role's users belong to, so that a list
#: meant for "industry" reaches members without naming each one.
_KIND_OF_ROLE: Final = {
    Role.member: "industry",
    Role.investigator: "law_enforcement",
    Role.analyst: "hotline",
}


def audiences(role: Role, user: str) -> frozenset[str]:
    """The recipient names that designate a user: the role, its contributor kind, the user's name."""
    names = {role.value, user}
    kind = _KIND_OF_ROLE.get(role)
    if kind:
        names.add(kind)
    return frozenset(names)


def may_receive(role: Role, user: str, recipients: Iterable[str]) -> bool:
    """Whether a user may download (or match against) a list meant for ``recipients``.

    Staff see every list; anyone else only lists that name them. A list naming nobody is internal.
    """
    if role in STAFF:
        return True
    return bool(audiences(role, user) & set(recipients))
