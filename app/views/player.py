"""The viewer page shown when someone opens a placed Panopto video."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for

from ..embed_options import from_custom
from ..errors import LaunchError
from ..panopto.embed import embed_url, is_guid, thumbnail_url, viewer_url
from ..panopto.oauth import UserKey
from ..viewer_status import VideoState, issue_status_token, video_state

CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
RESOURCE_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
PRESENTATION_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"


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
    options = from_custom(custom)
    viewer = UserKey(str(launch_data.get("iss")), str(launch_data.get("sub")))
    state = video_state(session_id, viewer)

    return render_template(
        "player.html",
        title=title if isinstance(title, str) and title else "Panopto video",
        state=state.value,
        options=options,
        as_thumbnail=options.display == "thumbnail"
        and not _opened_in_window(launch_data),
        embed_src=embed_url(base_url, session_id, options.player_flags()),
        viewer_href=viewer_url(base_url, session_id, options.start_seconds),
        thumbnail_src=thumbnail_url(base_url, session_id),
        status_url=url_for(
            "viewer.status",
            t=issue_status_token(current_app.config["SECRET_KEY"], session_id, viewer),
        )
        if state is VideoState.PROCESSING
        else None,
    )


def _opened_in_window(launch_data: dict[str, Any]) -> bool:
    """A platform that honoured the item's ``window`` target opened us in a new window:
    there the thumbnail's job is done and the player is shown."""
    presentation = launch_data.get(PRESENTATION_CLAIM)
    return (
        isinstance(presentation, dict)
        and presentation.get("document_target") == "window"
    )
