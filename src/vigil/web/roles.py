"""The groups of roles routes are open to (docs/api.md)."""

from __future__ import annotations

from typing import Final

from vigil.auth.roles import Role

ADMIN: Final = (Role.admin,)
#: Media, series, victims (and reports): never industry, ISPs or peers.
STAFF: Final = (Role.admin, Role.analyst, Role.investigator)
#: Hash lookups and hashing: staff and industry members.
LOOKUP: Final = (*STAFF, Role.member)
#: List downloads: staff, ISPs and peers (each only the lists meant for them).
LISTS: Final = (*STAFF, Role.isp, Role.peer)
#: Publishing lists.
CURATORS: Final = (Role.admin, Role.analyst)
#: Identifying victims.
VICTIM_ID: Final = (Role.admin, Role.investigator)
EVERYONE: Final = tuple(Role)
