"""Panopto access control over REST v1: users, session permissions and sharing levels.

A separate group of calls on top of :class:`PanoptoClient` (its request pipeline: refresh on
401, backoff on 429, typed errors), used by :mod:`app.access` to let the right viewers in:

- ``GET /users/search`` to map an LMS user to a Panopto user id (API notes §3, no paging);
- ``POST /sessions/{id}/permissions`` to grant one user the Viewer role (API notes §7.2);
- ``GET``/``PUT /sessions/{id}/settings/access`` to read and widen a session's sharing level.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..errors import PanoptoError
from .client import PanoptoClient, iterate_pages
from .models import Page

logger = logging.getLogger(__name__)

#: Swagger ``AccessLevel`` values, most restrictive first.
ACCESS_LEVELS = (
    "Restricted",
    "OrganizationUnlisted",
    "Organization",
    "PublicUnlisted",
    "Public",
)
#: The level a one-click fix sets: anyone signed in to the organisation who has the link.
#: It is the narrowest level at which every student of the unit can watch an embed.
SHARE_WITH_ORGANISATION = "OrganizationUnlisted"


@dataclass(frozen=True)
class PanoptoUser:
    id: str
    username: str


@dataclass(frozen=True)
class Permission:
    principal_id: str | None
    principal_type: str
    role_name: str | None
    is_inherited: bool


@dataclass(frozen=True)
class AccessSettings:
    level: str
    is_inherited: bool


class PanoptoAccess:
    """Access-control calls made as the user behind ``client``."""

    def __init__(self, client: PanoptoClient) -> None:
        self._client = client

    def find_user(self, username: str) -> PanoptoUser | None:
        """The Panopto user whose username is exactly ``username`` (ignoring case).

        The search matches by prefix, so ``ontrack\\\\sam`` also finds ``ontrack\\\\samir``;
        only an exact match counts, or the wrong person would get access.
        """
        data = self._client._get("/users/search", {"searchQuery": username})
        wanted = username.casefold()
        for item in _results(data):
            name = item.get("Username")
            if isinstance(name, str) and name.casefold() == wanted:
                return PanoptoUser(id=str(item["Id"]), username=name)
        return None

    def grant_viewer(self, session_id: str, user_id: str) -> None:
        """Give ``user_id`` the built-in Viewer role on one session."""
        body = {"RoleType": "Viewer", "PrincipalId": user_id, "PrincipalType": "User"}
        self._client._send("POST", f"/sessions/{session_id}/permissions", json=body)
        logger.info("Granted a viewer on session %s", session_id)

    def session_permissions(self, session_id: str) -> list[Permission]:
        def page(number: int) -> Page[Permission]:
            data = self._client._get(
                f"/sessions/{session_id}/permissions", {"pageNumber": number}
            )
            items = _results(data, require_id=False)
            return Page([_permission(item) for item in items], number)

        return list(iterate_pages(page))

    def session_access(self, session_id: str) -> AccessSettings:
        return _access_settings(
            self._client._get(f"/sessions/{session_id}/settings/access")
        )

    def set_session_access(self, session_id: str, level: str) -> AccessSettings:
        """Set a session's own sharing level (the folder's may still be wider)."""
        if level not in ACCESS_LEVELS:
            raise ValueError(f"Not a Panopto access level: {level!r}")
        response = self._client._send(
            "PUT",
            f"/sessions/{session_id}/settings/access",
            json={"IsInherited": False, "Level": level},
        )
        try:
            return _access_settings(response.json())
        except ValueError as err:
            raise PanoptoError() from err


def _results(data: Any, require_id: bool = True) -> list[dict[str, Any]]:
    results = data.get("Results") if isinstance(data, dict) else None
    return [
        item
        for item in results or []
        if isinstance(item, dict) and (item.get("Id") or not require_id)
    ]


def _permission(item: dict[str, Any]) -> Permission:
    principal = item.get("Principal") or {}
    role = item.get("Role") or {}
    return Permission(
        principal_id=principal.get("Id"),
        principal_type=str(principal.get("Type") or ""),
        role_name=role.get("Name"),
        is_inherited=bool(item.get("IsInherited")),
    )


def _access_settings(data: Any) -> AccessSettings:
    if not isinstance(data, dict) or data.get("Level") not in ACCESS_LEVELS:
        logger.warning("Panopto answered with access settings of an unknown shape")
        raise PanoptoError()
    return AccessSettings(
        level=str(data["Level"]), is_inherited=bool(data.get("IsInherited"))
    )
