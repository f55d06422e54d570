"""REST v1 access control: ``/users/search``, session permissions and session sharing.

Routes on the same blueprint as ``api.py`` (so the same latency, faults and bearer checks
apply), with the swagger's shapes: ``ListResponseOfUser``, ``Permission``,
``PermissionCreate``/``PermissionDelete`` and ``AccessSettings`` (API-NOTES sections 4, 7).
Changing a session's permissions or sharing needs Creator rights on its folder.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, g, jsonify, request

from .api import bp
from .errors import BadRequest
from .listing import parse_guid, require_search_query
from .models import AccessLevel, Role, Session
from .search import query_terms
from .shapes import access_settings
from .simulator import current_simulator

logger = logging.getLogger(__name__)

#: Stable ids of the built-in roles, as a real site gives each role a GUID.
ROLE_IDS = {
    Role.VIEWER: "70000000-0000-4000-8000-000000000001",
    Role.CREATOR: "70000000-0000-4000-8000-000000000002",
    Role.PUBLISHER: "70000000-0000-4000-8000-000000000003",
}
ROLE_TYPES = {
    "Viewer": Role.VIEWER,
    "Creator": Role.CREATOR,
    "Publisher": Role.PUBLISHER,
}
PRINCIPAL_TYPES = ("User", "Group")


@bp.get("/users/search")
def search_users() -> Response:
    """Users matching ``searchQuery``; the swagger gives this route no paging."""
    terms = query_terms(require_search_query(request.args))
    users = current_simulator().store.search_users(terms)
    return jsonify(
        {"Results": [{"Id": user.id, "Username": user.username} for user in users]}
    )


@bp.get("/sessions/<session_id>/permissions")
def session_permissions(session_id: str) -> Response:
    """The session's own grants, then those it inherits from its folders."""
    store = current_simulator().store
    session = store.managed_session(g.user_id, parse_guid(session_id))
    permissions = [
        _permission(uid, role, False) for uid, role in session.grants.items()
    ]
    for folder in store.ancestors(store.folders[session.folder_id]):
        permissions += [_permission(uid, r, True) for uid, r in folder.grants.items()]

    number = _page_number()
    size = current_simulator().page_size
    return jsonify({"Results": permissions[number * size : (number + 1) * size]})


@bp.post("/sessions/<session_id>/permissions")
def grant_permission(session_id: str) -> Response:
    """Grant one user a built-in role on the session (``PermissionCreate``)."""
    session_id = parse_guid(session_id)
    principal_id, role = _permission_create(request.get_json(silent=True))

    current_simulator().store.grant_session_role(
        g.user_id, session_id, principal_id, role
    )
    logger.info("granted %s on session %s", role.name, session_id)
    return jsonify(_permission(principal_id, role, False))


@bp.delete("/sessions/<session_id>/permissions")
def revoke_permission(session_id: str) -> Response:
    """Remove a principal's own grants; without a role, all of them (``PermissionDelete``)."""
    session_id = parse_guid(session_id)
    principal_id = parse_guid(request.args.get("PrincipalId", ""), "PrincipalId")
    principal_type = _principal_type(request.args.get("PrincipalType"))
    role_type = request.args.get("RoleType")
    role = _role(role_type) if role_type else None

    current_simulator().store.revoke_session_roles(
        g.user_id, session_id, principal_id, role
    )
    body: dict[str, Any] = {
        "PrincipalId": principal_id,
        "PrincipalType": principal_type,
    }
    if role is not None:
        body.update(RoleType=role_type, RoleId=ROLE_IDS[role])
    return jsonify(body)


@bp.put("/sessions/<session_id>/settings/access")
def update_session_access(session_id: str) -> Response:
    """Set the session's own access level; the wider of it and the folder's applies."""
    store = current_simulator().store
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(
            "The body must be a JSON AccessSettings object.", "accessSettings"
        )
    try:
        level = AccessLevel(body.get("Level"))
    except ValueError as err:
        raise BadRequest("Level is not an AccessLevel.", source="Level") from err

    session: Session = store.set_session_level(g.user_id, parse_guid(session_id), level)
    logger.info("session %s shared at %s", session.id, level.value)
    return jsonify(access_settings(store.session_level(session), inherited=False))


def _permission(user_id: str, role: Role, inherited: bool) -> dict[str, Any]:
    return {
        "IsInherited": inherited,
        "Principal": {"Id": user_id, "Type": "User"},
        "Role": {"Id": ROLE_IDS[role], "Name": role.name.title()},
    }


def _permission_create(body: Any) -> tuple[str, Role]:
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON PermissionCreate object.")
    principal_id = parse_guid(str(body.get("PrincipalId") or ""), "PrincipalId")
    _principal_type(body.get("PrincipalType"))
    role_id = body.get("RoleId")
    if role_id is not None:
        by_id = {value: role for role, value in ROLE_IDS.items()}
        if role_id not in by_id:
            raise BadRequest("RoleId names no role.", source="RoleId")
        return principal_id, by_id[role_id]
    return principal_id, _role(body.get("RoleType"))


def _role(value: Any) -> Role:
    if value not in ROLE_TYPES:
        raise BadRequest("RoleType must be Viewer, Creator or Publisher.", "RoleType")
    return ROLE_TYPES[value]


def _principal_type(value: Any) -> str:
    if value not in PRINCIPAL_TYPES:
        raise BadRequest("PrincipalType must be User or Group.", "PrincipalType")
    if value == "Group":
        raise BadRequest("Groups are not simulated.", "PrincipalType")
    return value


def _page_number() -> int:
    raw = request.args.get("pageNumber", "0")
    if not raw.isdigit():
        raise BadRequest("pageNumber must be a whole number.", source="pageNumber")
    return int(raw)
