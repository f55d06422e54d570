"""The viewer page shown when someone opens a placed Panopto video."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for

from .. import access
from ..embed_options import from_custom
from ..panopto.embed import embed_url, thumbnail_url, viewer_url
from ..panopto.oauth import UserKey
from ..viewer_status import VideoState, issue_status_token, video_state

CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
RESOURCE_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
PRESENTATION_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"


def show_player(launch_data: dict[str, Any]) -> str:
    """Render the player for the placed session, with the options chosen at insert time.

    :mod:`app.access` decides first: the placement must be ours, in this unit (or a copy),
    for a role that may view; in ``grant`` mode it also lets the viewer in on Panopto.
    The embed options come from the item's custom parameters; a viewer who edits them can
    only change how the same video plays.
    """
    view = access.authorize_view(launch_data)
    session_id = view.session_id

    base_url = current_app.config["PANOPTO_BASE_URL"]
    options = from_custom(_custom(launch_data))
    viewer = UserKey(str(launch_data.get("iss")), str(launch_data.get("sub")))
    state = video_state(session_id, viewer)

    return render_template(
        "player.html",
        title=_title(launch_data),
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
        notice=view.notice,
    )


def _custom(launch_data: dict[str, Any]) -> dict[str, Any]:
    custom = launch_data.get(CUSTOM_CLAIM)
    return custom if isinstance(custom, dict) else {}


def _title(launch_data: dict[str, Any]) -> str:
    resource_link = launch_data.get(RESOURCE_LINK_CLAIM)
    title = resource_link.get("title") if isinstance(resource_link, dict) else None
    return title if isinstance(title, str) and title else "Panopto video"


def _opened_in_window(launch_data: dict[str, Any]) -> bool:
    """A platform that honoured the item's ``window`` target opened us in a new window:
    there the thumbnail's job is done and the player is shown."""
    presentation = launch_data.get(PRESENTATION_CLAIM)
    return (
        isinstance(presentation, dict)
        and presentation.get("document_target") == "window"
    )
