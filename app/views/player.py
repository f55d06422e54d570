"""The viewer page shown when someone opens a placed Panopto video."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from ..errors import LaunchError
from ..panopto.embed import embed_url, is_guid, viewer_url

CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
RESOURCE_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"


def show_player(launch_data: dict[str, Any]) -> str:
    """Render the player for the session named in the launch's custom parameters.

    Anyone the platform launches with a valid, signed resource link may watch: the platform
    decided who sees the task or comment. Checking that the viewer's unit is the one the
    item was placed in, and granting Panopto access per viewer, are not done yet; until
    then Panopto's own sharing settings decide whether the video plays.
    """
    custom = launch_data.get(CUSTOM_CLAIM) or {}
    session_id = custom.get("panopto_session_id") if isinstance(custom, dict) else None
    if not session_id:
        raise LaunchError("This link does not say which Panopto video to show.")
    if not is_guid(session_id):
        raise LaunchError("This link names a Panopto video id that is not valid.")

    resource_link = launch_data.get(RESOURCE_LINK_CLAIM) or {}
    title = resource_link.get("title") if isinstance(resource_link, dict) else None
    base_url = current_app.config["PANOPTO_BASE_URL"]

    return render_template(
        "player.html",
        title=title if isinstance(title, str) and title else "Panopto video",
        embed_src=embed_url(base_url, session_id),
        viewer_href=viewer_url(base_url, session_id),
    )
