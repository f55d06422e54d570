"""Who may watch a placed video, and making sure that they can.

**Placing.** Each video inserted through Deep Linking is recorded as a :class:`Placement`
(issuer, deployment, unit, session, who placed it). The content item's ``custom`` map carries
the placement id, the session id, and ``$Context.id.history`` for platforms that substitute
it (LTI Core 1.3 appendix, context copies).

**Viewing.** On every view the launch must name a placement we recorded, for the same
session and platform, launched from the unit it was placed in or from a copy of that unit,
by someone whose role in the unit may view. Custom parameters are only ever a *pointer*: a
student who edits them reaches no video the tool did not place in their own unit.

**Letting them in.** Per deployment (``deployments.access_mode``):

- ``access_level``: the session's own Panopto sharing decides. At insert time the chooser
  warns when the level is ``Restricted`` (students without a grant would be refused) and
  offers a one-click fix that widens it to "anyone at the organisation with the link".
- ``grant``: the tool gives the viewer Panopto's Viewer role on that session just in time,
  acting with the rights of the person who placed it. The viewer is mapped to a Panopto user
  as Panopto's own LMS integrations do, ``{instance}\\{username}``. Grants are cached in the
  shared store, so a repeat view makes no Panopto call.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from flask import Flask, current_app

from . import services
from .errors import (
    Forbidden,
    LaunchError,
    LaunchReason,
    PanoptoError,
    PanoptoForbidden,
    PanoptoNotConnected,
)
from .extensions import db
from .lti.tool_config import DeploymentRecord, client_id_of, launch_deployment
from .models import Placement
from .panopto.access import SHARE_WITH_ORGANISATION, PanoptoAccess
from .panopto.client import PanoptoClient
from .panopto.embed import is_guid
from .panopto.oauth import UserKey
from .panopto.provider import user_key
from .process_cache import ProcessCache, detached
from .store import KeyValueStore

logger = logging.getLogger(__name__)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CUSTOM_CLAIM = LTI + "custom"
CONTEXT_CLAIM = LTI + "context"
ROLES_CLAIM = LTI + "roles"
DEPLOYMENT_CLAIM = LTI + "deployment_id"

SESSION_PARAM = "panopto_session_id"
PLACEMENT_PARAM = "panopto_placement_id"
HISTORY_PARAM = "panopto_context_history"
#: LTI substitution variable: comma-separated ids of the contexts this one was copied from.
CONTEXT_HISTORY_VARIABLE = "$Context.id.history"

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
#: Context roles (LTI Core 1.3 A.2.2) that may watch what was placed in their unit.
VIEWER_CONTEXT_ROLES = frozenset(
    {
        "Administrator",
        "ContentDeveloper",
        "Instructor",
        "Learner",
        "Manager",
        "Member",
        "Mentor",
        "Officer",
    }
)
#: Institution and system roles (A.2.1, A.2.3) of the platform's administrators.
ADMIN_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin",
    }
)

GRANT_PREFIX = "panopto-grant-"
#: Panopto keeps a grant; the cache only saves calls. After a day we check again, so a
#: grant someone removed in Panopto comes back for a viewer who still may watch.
GRANT_CACHE_SECONDS = 24 * 60 * 60
#: A viewer Panopto does not know yet is looked up again after this long, not every view.
UNKNOWN_USER_CACHE_SECONDS = 10 * 60
#: Random bytes in a placement id: unguessable, so one unit's ids say nothing of another's.
PLACEMENT_ID_BYTES = 24

NOTICE_NO_ACCOUNT = (
    "Panopto does not know your account yet, so the video may ask you to sign in. "
    "Sign in to Panopto once, then reload this page."
)
NOTICE_NOT_SHARED = (
    "The tool could not share this video with your Panopto account. If it does not "
    "play, ask the person who added it to share it with you."
)
NOTICE_TRY_AGAIN = (
    "Panopto did not answer while the tool was sharing this video with you. If it does "
    "not play, reload this page in a moment."
)


@dataclass(frozen=True)
class ViewDecision:
    """A view the tool allows: which session to show, and anything the viewer should know."""

    session_id: str
    notice: str | None = None


# -- placing --------------------------------------------------------------------------


def place(launch_data: dict[str, Any], session_id: str) -> dict[str, str]:
    """Record that ``session_id`` is being placed from this Deep Linking launch.

    :returns: the ``custom`` parameters of the content item.
    :raises LaunchError: when the launch names no unit to place the video in.
    """
    context_id = _context_id(launch_data)
    if context_id is None:
        raise LaunchError(
            "Your course system did not say which unit this is, so the video cannot be "
            "placed. Open the chooser again from the unit.",
            LaunchReason.MISSING_CLAIM,
        )

    deployment = launch_deployment(launch_data)
    placement = Placement(
        id=secrets.token_urlsafe(PLACEMENT_ID_BYTES),
        issuer=str(launch_data["iss"]),
        client_id=client_id_of(launch_data),
        deployment_id=str(launch_data.get(DEPLOYMENT_CLAIM)),
        context_id=context_id,
        session_id=session_id,
        created_by=str(launch_data["sub"]),
        created_by_username=username_of(launch_data, deployment),
        created_at=time.time(),
    )
    db.session.add(placement)
    db.session.commit()
    return {
        SESSION_PARAM: session_id,
        PLACEMENT_PARAM: placement.id,
        HISTORY_PARAM: CONTEXT_HISTORY_VARIABLE,
    }


# -- viewing --------------------------------------------------------------------------

#: Where each app keeps the placements its process has read. A placement is written once
#: and never changed, and every view reads one, so a process keeps the ones it has seen.
PLACEMENT_CACHE_KEY = "placement_cache"
#: How many placements a process keeps (least recently used go first): about 2 MB.
PLACEMENT_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class PlacedVideo:
    """What a view needs of a :class:`Placement` row, detached from the database session."""

    id: str
    issuer: str
    context_id: str
    session_id: str
    created_by: str
    created_by_username: str | None


def init_app(app: Flask) -> None:
    app.extensions[PLACEMENT_CACHE_KEY] = ProcessCache[str, PlacedVideo](
        LRUCache(maxsize=PLACEMENT_CACHE_SIZE)
    )


def authorize_view(launch_data: dict[str, Any]) -> ViewDecision:
    """Check a resource launch against its placement and let the viewer into Panopto.

    :raises LaunchError: for links that name no valid video or placement.
    :raises Forbidden: for a video of another unit or platform, or a role that may not view.
    """
    custom = launch_data.get(CUSTOM_CLAIM) or {}
    if not isinstance(custom, dict):
        raise LaunchError(
            "This link does not say which Panopto video to show.", LaunchReason.BAD_LINK
        )
    session_id = custom.get(SESSION_PARAM)
    if not session_id:
        raise LaunchError(
            "This link does not say which Panopto video to show.", LaunchReason.BAD_LINK
        )
    if not is_guid(session_id):
        raise LaunchError(
            "This link names a Panopto video id that is not valid.",
            LaunchReason.BAD_LINK,
        )

    placement = _placement_for(custom, session_id, launch_data)
    deployment = launch_deployment(launch_data)
    _check_unit(placement, launch_data, custom, deployment)
    _check_role(launch_data)

    notice = _let_viewer_in(placement, deployment, launch_data)
    return ViewDecision(session_id=session_id, notice=notice)


def is_admin(launch_data: dict[str, Any]) -> bool:
    roles = launch_data.get(ROLES_CLAIM)
    return isinstance(roles, list) and any(
        isinstance(role, str) and role in ADMIN_ROLES for role in roles
    )


def _placement_for(
    custom: dict[str, Any], session_id: str, launch_data: dict[str, Any]
) -> PlacedVideo:
    placement_id = custom.get(PLACEMENT_PARAM)
    if not placement_id or not isinstance(placement_id, str) or len(placement_id) > 64:
        raise LaunchError(
            "This video link was not made by the Panopto tool's chooser, so it cannot "
            "be shown. Ask your teacher to insert the video again.",
            LaunchReason.BAD_LINK,
        )

    placement = _placed_video(placement_id)
    if (
        placement is None
        or placement.session_id != session_id
        or placement.issuer != launch_data.get("iss")
    ):
        logger.info("Refused a view whose placement does not match its video")
        raise Forbidden(
            "This video link has been changed since it was made, so it cannot be shown."
        )
    return placement


def _placed_video(placement_id: str) -> PlacedVideo | None:
    def load() -> PlacedVideo | None:
        row = db.session.get(Placement, placement_id)
        return detached(PlacedVideo, row) if row else None

    return current_app.extensions[PLACEMENT_CACHE_KEY].get(placement_id, load)


def _check_unit(
    placement: PlacedVideo,
    launch_data: dict[str, Any],
    custom: dict[str, Any],
    deployment: DeploymentRecord | None,
) -> None:
    context_id = _context_id(launch_data)
    if context_id is None:
        raise Forbidden("Your course system did not say which unit this page is in.")
    if context_id == placement.context_id:
        return
    # The history is a custom parameter: only a platform whose users cannot edit those
    # (the deployment says so) makes it proof of a copy.
    trusted = deployment is not None and deployment.trust_context_history
    if trusted and placement.context_id in _context_history(custom):
        return  # a copy of the unit the video was placed in
    logger.info("Refused a view of a video placed in another unit")
    raise Forbidden(
        "This video was placed in another unit, so it cannot be shown here."
    )


def _check_role(launch_data: dict[str, Any]) -> None:
    roles = launch_data.get(ROLES_CLAIM)
    roles = roles if isinstance(roles, list) else []
    if is_admin(launch_data) or any(_is_viewer_role(role) for role in roles):
        return
    raise Forbidden("Your role in this unit does not allow watching this video.")


def _is_viewer_role(role: Any) -> bool:
    """A context membership role (or sub-role, ``membership/Instructor#TA``) that may view."""
    if not isinstance(role, str) or not role.startswith(MEMBERSHIP):
        return False
    rest = role[len(MEMBERSHIP) :]
    if rest.startswith("#"):
        return rest[1:] in VIEWER_CONTEXT_ROLES
    if rest.startswith("/"):
        return rest[1:].split("#", 1)[0] in VIEWER_CONTEXT_ROLES
    return False


def _context_history(custom: dict[str, Any]) -> set[str]:
    value = custom.get(HISTORY_PARAM)
    # A platform that does not substitute the variable sends it back unchanged.
    if not isinstance(value, str) or value.startswith("$"):
        return set()
    return {part.strip() for part in value.split(",") if part.strip()}


# -- letting the viewer in ------------------------------------------------------------


def _let_viewer_in(
    placement: PlacedVideo,
    deployment: DeploymentRecord | None,
    launch_data: dict[str, Any],
) -> str | None:
    """In ``grant`` mode, make sure the viewer holds the Viewer role; else do nothing.

    :returns: a notice for the viewer when the grant could not be made. A failed grant
        never hides the player: the session's own sharing may still let them in.
    """
    if deployment is None or deployment.access_mode != "grant":
        return None
    if launch_data.get("sub") == placement.created_by:
        return None  # the person who placed it can already watch it

    viewer = _provider_user_key(deployment, username_of(launch_data, deployment))
    if viewer is None:
        logger.warning("Grant mode without a usable username mapping for a viewer")
        return NOTICE_NOT_SHARED

    store = KeyValueStore()
    cache_key = _grant_key(placement.session_id, viewer)
    cached = store.get(cache_key)
    if cached == "granted":
        logger.debug("Viewer grant found in the cache")
        return None
    if cached == "unknown-user":
        return NOTICE_NO_ACCOUNT

    try:
        return _grant(placement, deployment, viewer, store, cache_key)
    except (PanoptoNotConnected, PanoptoForbidden) as err:
        logger.warning(
            "Could not grant a viewer on %s: %s", placement.session_id, err.code
        )
        return NOTICE_NOT_SHARED
    except PanoptoError as err:
        logger.warning("Panopto failed while granting a viewer: %s", err.code)
        return NOTICE_TRY_AGAIN


def _grant(
    placement: PlacedVideo,
    deployment: DeploymentRecord,
    viewer: str,
    store: KeyValueStore,
    cache_key: str,
) -> str | None:
    access = PanoptoAccess(_client_of_placer(placement, deployment))
    user = access.find_user(viewer)
    if user is None:
        store.set(cache_key, "unknown-user", UNKNOWN_USER_CACHE_SECONDS)
        return NOTICE_NO_ACCOUNT

    access.grant_viewer(placement.session_id, user.id)
    store.set(cache_key, "granted", GRANT_CACHE_SECONDS)
    return None


def _client_of_placer(
    placement: PlacedVideo, deployment: DeploymentRecord
) -> PanoptoClient:
    """A Panopto client with the rights of whoever placed the video.

    With an identity-provider application key, a hashed password grant as that person;
    otherwise the tokens they left when they signed in to Panopto in the chooser.
    """
    placer = UserKey(issuer=placement.issuer, subject=placement.created_by)
    provider_key = None
    if current_app.config.get("PANOPTO_IDP_APPLICATION_KEY"):
        provider_key = _provider_user_key(deployment, placement.created_by_username)
    return services.panopto_oauth().client_for(placer, provider_user_key=provider_key)


def _grant_key(session_id: str, viewer: str) -> str:
    digest = hashlib.sha256(f"{session_id}\n{viewer.casefold()}".encode()).hexdigest()
    return GRANT_PREFIX + digest


# -- insert-time warnings and the one-click fix ----------------------------------------


@dataclass(frozen=True)
class SharingCheck:
    session_id: str
    level: str | None
    #: Whether students without their own Panopto grant would be refused.
    students_refused: bool


def sharing_checks(
    launch_data: dict[str, Any], client: PanoptoClient, session_ids: list[str]
) -> tuple[str, list[SharingCheck]]:
    """The deployment's access mode, and for ``access_level`` each session's sharing."""
    deployment = launch_deployment(launch_data)
    mode = deployment.access_mode if deployment else "access_level"
    if mode == "grant":
        return mode, []

    access = PanoptoAccess(client)
    checks = []
    for session_id in session_ids:
        level = access.session_access(session_id).level
        checks.append(SharingCheck(session_id, level, level == "Restricted"))
    return mode, checks


def share_with_organisation(client: PanoptoClient, session_id: str) -> str:
    """Widen one session to "anyone at the organisation with the link"; the new level."""
    return (
        PanoptoAccess(client)
        .set_session_access(session_id, SHARE_WITH_ORGANISATION)
        .level
    )


# -- identities -----------------------------------------------------------------------


def on_deep_link_launch(launch_data: dict[str, Any]) -> None:
    """Remember the chooser user's provider identity when their deployment signs in that way,
    so the chooser needs no Panopto pop-up."""
    deployment = launch_deployment(launch_data)
    if deployment is None or not deployment.provider_sign_in:
        return
    if not current_app.config.get("PANOPTO_IDP_APPLICATION_KEY"):
        logger.warning(
            "provider_sign_in is on but PANOPTO_IDP_APPLICATION_KEY is unset"
        )
        return
    key = _provider_user_key(deployment, username_of(launch_data, deployment))
    if key:
        user = UserKey(issuer=str(launch_data["iss"]), subject=str(launch_data["sub"]))
        services.StoredProviderIdentities(KeyValueStore()).remember(user, key)


def username_of(
    launch_data: dict[str, Any], deployment: DeploymentRecord | None
) -> str | None:
    """The LMS username, from the claim the deployment names (``sub`` by default)."""
    claim = deployment.username_claim if deployment else "sub"
    if claim.startswith("custom:"):
        custom = launch_data.get(CUSTOM_CLAIM)
        value = custom.get(claim[7:]) if isinstance(custom, dict) else None
    else:
        value = launch_data.get(claim)
    if not isinstance(value, str) or not value or value.startswith("$"):
        return None
    return value


def _provider_user_key(
    deployment: DeploymentRecord, username: str | None
) -> str | None:
    if not deployment.panopto_provider or not username:
        return None
    try:
        return user_key(deployment.panopto_provider, username)
    except ValueError:
        return None


def _context_id(launch_data: dict[str, Any]) -> str | None:
    context = launch_data.get(CONTEXT_CLAIM)
    value = context.get("id") if isinstance(context, dict) else None
    return value if isinstance(value, str) and value else None
