"""The console's navigation: each page module registers its entries, with the roles that see them."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.auth.roles import Role


@dataclass(frozen=True)
class NavItem:
    #: An English message id (translated when rendered).
    label: str
    path: str
    roles: frozenset[Role]
    #: Entries show by rank, then in the order registered (modules import alphabetically).
    rank: int = 50


NAV: list[NavItem] = []


def register(label: str, path: str, roles: tuple[Role, ...], rank: int = 50) -> None:
    if not any(item.path == path for item in NAV):
        NAV.append(NavItem(label, path, frozenset(roles), rank))
        NAV.sort(key=lambda item: item.rank)


def items_for(role: Role) -> list[NavItem]:
    return [item for item in NAV if role in item.roles]
