"""The video chooser opened by a Deep Linking launch, and its JSON endpoints."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from .. import access, services
from ..chooser_session import ChooserContext, issue_token, load_context
from ..errors import BadRequest
from ..lti.deep_linking import ResourceLinkItem, accepts_multiple, build_response_jwt
from ..panopto.embed import is_guid
from ..panopto.models import TOP_FOLDER_ID, Folder, Session

logger = logging.getLogger(__name__)

bp = Blueprint("chooser", __name__, url_prefix="/chooser")

# Bandit B105 is a false positive here: a header name, not a secret.
TOKEN_HEADER = "X-Chooser-Token"  # nosec B105
#: A search box query longer than this is not a search.
MAX_QUERY_LENGTH = 200
#: More videos than this in one insert is a mistake or an attack, not a choice.
MAX_ITEMS_PER_INSERT = 50
#: Panopto pages hold tens of items; a page number past this is not a real request.
MAX_PAGE_NUMBER = 10_000


def open_chooser(launch_id: str, launch_data: dict[str, Any]) -> str:
    """Render the chooser page for a freshly validated Deep Linking launch."""
    context = ChooserContext(launch_id, launch_data)
    return render_template(
        "chooser.html",
        token=issue_token(current_app.config["SECRET_KEY"], launch_id),
        multiple=accepts_multiple(context.settings),
        placement_title=context.settings.get("title") or "",
    )


@bp.get("/api/folders")
def folders():
    """Child folders of ``parent`` (the top of the tree when absent)."""
    context = _context()
    parent = _guid_arg("parent", default=TOP_FOLDER_ID)
    client = services.panopto_oauth().client_for(context.user)
    return jsonify(folders=[_folder_json(f) for f in client.all_child_folders(parent)])


@bp.get("/api/folders/<folder_id>/sessions")
def folder_sessions(folder_id: str):
    """One page of the videos in a folder."""
    context = _context()
    if not is_guid(folder_id):
        raise BadRequest("That folder id is not valid.")
    client = services.panopto_oauth().client_for(context.user)
    page = client.list_folder_sessions(folder_id, _page_arg())
    return jsonify(
        sessions=[_session_json(s) for s in page.items], page=page.page_number
    )


@bp.get("/api/search")
def search():
    """One page of the videos matching the search box."""
    context = _context()
    query = (request.args.get("q") or "").strip()
    if not query or len(query) > MAX_QUERY_LENGTH:
        raise BadRequest(f"Type between 1 and {MAX_QUERY_LENGTH} characters to search.")
    client = services.panopto_oauth().client_for(context.user)
    page = client.search_sessions(query, _page_arg())
    return jsonify(
        sessions=[_session_json(s) for s in page.items], page=page.page_number
    )


@bp.post("/api/insert")
def insert():
    """Sign the Deep Linking response for the chosen videos; the page then posts it."""
    context, launch = _context_and_launch()
    session_ids = _session_ids_from_body()
    client = services.panopto_oauth().client_for(context.user)

    items = []
    for session_id in session_ids:
        session = client.get_session(session_id)
        items.append(
            ResourceLinkItem(
                launch_url=services.launch_url(),
                session_id=session.id,
                title=session.name,
                description=session.description,
                thumbnail_url=session.thumbnail_url,
                extra_custom=access.place(context.launch_data, session.id),
            )
        )

    jwt = build_response_jwt(launch.get_deep_link(), context.settings, items)
    logger.info("Returning %d Panopto video(s) to %s", len(items), context.user.issuer)
    return jsonify(return_url=context.settings["deep_link_return_url"], jwt=jwt)


def _context() -> ChooserContext:
    return _context_and_launch()[0]


def _context_and_launch() -> tuple[ChooserContext, Any]:
    return load_context(
        current_app.config["SECRET_KEY"],
        request.headers.get(TOKEN_HEADER),
        services.stored_launch,
    )


def _guid_arg(name: str, default: str) -> str:
    value = request.args.get(name) or default
    if not is_guid(value):
        raise BadRequest(f"The {name} id is not valid.")
    return value


def _page_arg() -> int:
    value = request.args.get("page", "0")
    # isdigit() alone also accepts characters such as "²" that int() refuses.
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_PAGE_NUMBER:
        raise BadRequest("The page number is not valid.")
    return int(value)


def _session_ids_from_body() -> list[str]:
    body = request.get_json(silent=True) or {}
    ids = body.get("session_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids:
        raise BadRequest("Choose at least one video to insert.")
    if len(ids) > MAX_ITEMS_PER_INSERT:
        raise BadRequest(f"Choose at most {MAX_ITEMS_PER_INSERT} videos at a time.")
    if not all(is_guid(value) for value in ids):
        raise BadRequest("One of the chosen video ids is not valid.")
    return list(dict.fromkeys(ids))


def _folder_json(folder: Folder) -> dict[str, Any]:
    return {"id": folder.id, "name": folder.name}


def _session_json(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "name": session.name,
        "description": session.description,
        "folder_name": session.folder_name,
        "start_time": session.start_time.isoformat() if session.start_time else None,
        "duration_seconds": session.duration_seconds,
        "thumbnail_url": session.thumbnail_url,
    }
