"""The viewer page's follow-up question: is the video ready yet?"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..errors import LaunchExpired
from ..viewer_status import read_status_token, video_state

bp = Blueprint("viewer", __name__, url_prefix="/viewer")


@bp.get("/status")
def status():
    """The state of the page's video, for a page that showed "still processing"."""
    answer = read_status_token(
        current_app.config["SECRET_KEY"], request.args.get("t", "")
    )
    if answer is None:
        raise LaunchExpired("This page is too old to check. Reload it from OnTrack.")
    session_id, viewer = answer
    return jsonify(state=video_state(session_id, viewer).value)
