"""The id_tokens the platform posts to the tool (LTI-NOTES 2.3, 2.4, 2.5 and 2.8).

Two message types: ``LtiDeepLinkingRequest`` when someone opens the video chooser, and
``LtiResourceLinkRequest`` each time a placed video is shown. Claims follow LTI Core 1.3
section 5 and Deep Linking 2.0 section 4.4; OnTrack's share of them is LTI-NOTES 8.4.4.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from .keys import PlatformKeys
from .roster import User
from .store import PLACEMENT_COMMENT, DeepLinkRequest, EmbeddedItem, Task, Unit

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI_VERSION = "1.3.0"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

#: Five minutes: the token only has to survive one auto-submitted form post.
ID_TOKEN_LIFETIME = 300

#: What the chooser may return: only resource links, so every view is a fresh launch
#: in which the tool can grant Panopto access to that viewer (LTI-NOTES 2.7).
ACCEPT_TYPES = ("ltiResourceLink",)
ACCEPT_TARGETS = ("iframe", "window")

#: The size of a placed video when the tool gives no iframe size hint (16:9).
DEFAULT_FRAME_WIDTH = 640
DEFAULT_FRAME_HEIGHT = 360


@dataclass(frozen=True)
class PlatformIdentity:
    """The registration facts every message repeats."""

    issuer: str
    client_id: str
    deployment_id: str
    tool_launch_url: str
    deep_link_return_url: str

    def task_url(self, task: Task) -> str:
        return f"{self.issuer}/tasks/{task.id}"


def deep_linking_claims(
    identity: PlatformIdentity,
    launch: tuple[User, Unit, Task],
    request: DeepLinkRequest,
    nonce: str,
) -> dict[str, Any]:
    """Claims of an ``LtiDeepLinkingRequest`` opening the chooser for ``request``."""
    user, unit, task = launch
    claims = _common_claims(identity, user, unit, nonce)

    claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
    claims[LTI + "target_link_uri"] = identity.tool_launch_url
    claims[LTI + "custom"] = _placement_custom(unit, task, request)
    claims[LTI + "launch_presentation"] = _presentation(identity, task)
    claims[DL + "deep_linking_settings"] = _deep_linking_settings(
        identity, task, request
    )
    return claims


def resource_link_claims(
    identity: PlatformIdentity,
    launch: tuple[User, Unit, Task],
    item: EmbeddedItem,
    nonce: str,
) -> dict[str, Any]:
    """Claims of an ``LtiResourceLinkRequest`` showing ``item`` to ``user``."""
    user, unit, task = launch
    claims = _common_claims(identity, user, unit, nonce)

    claims[LTI + "message_type"] = "LtiResourceLinkRequest"
    claims[LTI + "target_link_uri"] = launch_target(identity, item)
    claims[LTI + "resource_link"] = _resource_link(item)
    claims[LTI + "custom"] = dict(item.custom)
    claims[LTI + "launch_presentation"] = {
        **_presentation(identity, task),
        "width": item.width or DEFAULT_FRAME_WIDTH,
        "height": item.height or DEFAULT_FRAME_HEIGHT,
    }
    return claims


def launch_target(identity: PlatformIdentity, item: EmbeddedItem) -> str:
    """Where a placed item launches: its own url, else the tool's default launch URL."""
    return item.url or identity.tool_launch_url


def sign_id_token(claims: dict[str, Any], keys: PlatformKeys) -> str:
    """The claims as a compact JWS, RS256, with the kid of the published key."""
    return jwt.encode(
        claims, keys.private_pem, algorithm="RS256", headers={"kid": keys.kid}
    )


def _common_claims(
    identity: PlatformIdentity, user: User, unit: Unit, nonce: str
) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": identity.issuer,
        "aud": identity.client_id,
        "azp": identity.client_id,
        "sub": user.sub,
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "nonce": nonce,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        # The OnTrack username: Panopto's provider users are "OnTrack\\{username}".
        "preferred_username": user.id,
        LTI + "version": LTI_VERSION,
        LTI + "deployment_id": identity.deployment_id,
        LTI + "roles": list(user.lti_roles),
        LTI + "context": {
            "id": unit.id,
            "label": unit.code,
            "title": unit.name,
            "type": [COURSE_OFFERING],
        },
        LTI + "tool_platform": {
            "guid": "ontrack-dev-platform",
            "name": "OnTrack (dev platform)",
            "product_family_code": "ontrack",
            "version": "dev",
            "url": identity.issuer,
        },
    }


def _deep_linking_settings(
    identity: PlatformIdentity, task: Task, request: DeepLinkRequest
) -> dict[str, Any]:
    is_comment = request.placement == PLACEMENT_COMMENT
    settings: dict[str, Any] = {
        "deep_link_return_url": identity.deep_link_return_url,
        "accept_types": list(ACCEPT_TYPES),
        "accept_presentation_document_targets": list(ACCEPT_TARGETS),
        "accept_multiple": request.accept_multiple,
        "auto_create": False,
        "title": (
            f"Video comment on {task.title}"
            if is_comment
            else f"Videos for {task.title}"
        ),
    }
    # Deep Linking 2.0 section 4.4.1: data is optional; when sent it must come back as is.
    if request.data is not None:
        settings["data"] = request.data
    return settings


def _placement_custom(
    unit: Unit, task: Task, request: DeepLinkRequest
) -> dict[str, str]:
    custom = {
        "ontrack_placement": request.placement,
        "ontrack_unit_id": unit.id,
        "ontrack_task_definition_id": task.id,
    }
    if request.comment_id is not None:
        custom["ontrack_comment_id"] = request.comment_id
    return custom


def _presentation(identity: PlatformIdentity, task: Task) -> dict[str, Any]:
    return {
        "document_target": "iframe",
        "return_url": identity.task_url(task),
        "locale": "en-AU",
    }


def _resource_link(item: EmbeddedItem) -> dict[str, str]:
    link = {"id": item.resource_link_id, "title": item.title}
    if item.text:
        link["description"] = item.text
    return link
