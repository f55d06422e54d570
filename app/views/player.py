"""The viewer page shown when someone opens a placed Panopto video."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from .. import access
from ..panopto.embed import embed_url, viewer_url

CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
RESOURCE_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"


def show_player(launch_data: dict[str, Any]) -> str:
    """Render the player for the session named in the launch's custom parameters.

    :mod:`app.access` decides first: the placement must be ours, in this unit (or a copy),
    for a role that may view; in ``grant`` mode it also lets the viewer in on Panopto.
    """
    view = access.authorize_view(launch_data)
    session_id = view.session_id

    resource_link = launch_data.get(RESOURCE_LINK_CLAIM) or {}
    title = resource_link.get("title") if isinstance(resource_link, dict) else None
    base_url = current_app.config["PANOPTO_BASE_URL"]

    return render_template(
        "player.html",
        title=title if isinstance(title, str) and title else "Panopto video",
        embed_src=embed_url(base_url, session_id),
        viewer_href=viewer_url(base_url, session_id),
        notice=view.notice,
    )
