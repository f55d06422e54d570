"""The chooser's sharing checks at insert time, and the one-click fix.

``POST /chooser/api/access/check`` tells the chooser, before it inserts, which of the chosen
videos students would be refused (deployments in ``access_level`` mode);
``POST /chooser/api/access/share/<id>`` widens one video to "anyone at the organisation with
the link". Both act as the chooser's Panopto user, with the chooser's per-launch token.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import access, services
from ..chooser_session import load_context
from ..errors import BadRequest
from ..panopto.embed import is_guid
from ..security import CHOOSER_TOKEN_HEADER

bp = Blueprint("access_api", __name__, url_prefix="/chooser/api/access")

#: The chooser inserts at most this many videos at once (see views.chooser).
MAX_SESSIONS = 50


@bp.post("/check")
def check():
    """For each chosen video: its sharing level and whether students would be refused."""
    context = _context()
    session_ids = _session_ids()
    client = services.panopto_oauth().client_for(context.user)

    mode, checks = access.sharing_checks(context.launch_data, client, session_ids)
    return jsonify(
        mode=mode,
        sessions=[
            {
                "id": item.session_id,
                "level": item.level,
                "students_refused": item.students_refused,
            }
            for item in checks
        ],
    )


@bp.post("/share/<session_id>")
def share(session_id: str):
    """Let anyone at the organisation who has the link watch one video."""
    context = _context()
    if not is_guid(session_id):
        raise BadRequest("That video id is not valid.")
    client = services.panopto_oauth().client_for(context.user)
    return jsonify(
        id=session_id, level=access.share_with_organisation(client, session_id)
    )


def _context():
    context, _ = load_context(
        current_app.config["SECRET_KEY"],
        request.headers.get(CHOOSER_TOKEN_HEADER),
        services.stored_launch,
    )
    return context


def _session_ids() -> list[str]:
    body = request.get_json(silent=True)
    ids = body.get("session_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or len(ids) > MAX_SESSIONS:
        raise BadRequest(f"Send between 1 and {MAX_SESSIONS} video ids.")
    if not all(is_guid(value) for value in ids):
        raise BadRequest("One of the video ids is not valid.")
    return list(dict.fromkeys(ids))
