"""Plain records the simulator keeps in memory.

These are the simulator's own records, not Panopto's JSON: ``shapes.py`` turns them
into the swagger's shapes. Hidden facts that Panopto keeps but does not return (a
session's creation time, who holds which role) live here too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
"""Panopto's "top level" folder id, also seen as ``CreatedBy.Id`` of orphaned items."""


class Role(enum.IntEnum):
    """Built-in roles (swagger ``BuiltInRoleType``), ordered by what they allow."""

    VIEWER = 1
    CREATOR = 2
    PUBLISHER = 3


class AccessLevel(enum.StrEnum):
    """Swagger ``AccessLevel``."""

    RESTRICTED = "Restricted"
    ORGANIZATION_UNLISTED = "OrganizationUnlisted"
    ORGANIZATION = "Organization"
    PUBLIC_UNLISTED = "PublicUnlisted"
    PUBLIC = "Public"


LISTED_LEVELS = frozenset({AccessLevel.ORGANIZATION, AccessLevel.PUBLIC})
"""Levels at which every signed-in user finds the item by browsing and search."""

LEVEL_ORDER = (
    AccessLevel.RESTRICTED,
    AccessLevel.ORGANIZATION_UNLISTED,
    AccessLevel.ORGANIZATION,
    AccessLevel.PUBLIC_UNLISTED,
    AccessLevel.PUBLIC,
)
"""From the narrowest to the widest audience."""

LINK_LEVELS = LISTED_LEVELS | {
    AccessLevel.ORGANIZATION_UNLISTED,
    AccessLevel.PUBLIC_UNLISTED,
}
"""Levels at which every signed-in user may open the item by its id."""


@dataclass(frozen=True)
class User:
    """A seeded Panopto user. ``password`` None means the user signs in by SSO only."""

    id: str
    username: str
    display_name: str
    password: str | None
    description: str


@dataclass
class Folder:
    """A folder. ``access_level`` None means inherited from the parent."""

    id: str
    name: str
    description: str | None
    parent_id: str | None
    access_level: AccessLevel | None = None
    grants: dict[str, Role] = field(default_factory=dict)


@dataclass
class Session:
    """A session (a video). ``access_level`` None means inherited from the folder."""

    id: str
    name: str
    description: str | None
    folder_id: str
    start_time: datetime | None
    duration: float | None
    created_at: datetime
    created_by_id: str
    access_level: AccessLevel | None = None
    has_captions: bool = False
    #: Caption files uploaded through the REST API, by ``ContentLanguage``.
    caption_tracks: dict[str, str] = field(default_factory=dict)
    #: True from the moment an upload's processing creates the session until it is done.
    processing: bool = False

    @property
    def captioned(self) -> bool:
        return self.has_captions or bool(self.caption_tracks)

    #: Roles granted on this session alone (``POST /sessions/{id}/permissions``).
    grants: dict[str, Role] = field(default_factory=dict)


@dataclass
class ViewRecord:
    """How far one user has watched one session."""

    user_id: str
    session_id: str
    percent_completed: int
    position_seconds: float
