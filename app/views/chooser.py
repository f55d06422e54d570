"""The video chooser opened by a Deep Linking launch, and its JSON endpoints.

Staff browse and search everything they can see in Panopto. Anyone else (a student
answering a task or a comment) may only record or upload into their own folder and insert
what is in it: every endpoint below checks that on the server, whatever the page shows.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from .. import access, chooser_places, embed_options, services
from ..chooser_session import ChooserContext, issue_token, load_context
from ..errors import BadRequest, Forbidden
from ..lti.deep_linking import ResourceLinkItem, accepts_multiple, build_response_jwt
from ..panopto.captions import CAPTION_LANGUAGES
from ..panopto.client import PanoptoClient
from ..panopto.embed import is_guid, thumbnail_url
from ..panopto.models import TOP_FOLDER_ID, Folder, Session
from ..panopto.upload import MAX_PART_BYTES, MIN_PART_BYTES

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

STUDENTS_OWN_FOLDER_ONLY = (
    "As a student you can record or upload videos into your own Panopto folder only."
)


def open_chooser(launch_id: str, launch_data: dict[str, Any]) -> str:
    """Render the chooser page for a freshly validated Deep Linking launch."""
    context = ChooserContext(launch_id, launch_data)
    return render_template(
        "chooser.html",
        token=issue_token(current_app.config["SECRET_KEY"], launch_id),
        multiple=accepts_multiple(context.settings),
        staff=context.is_staff,
        displays=sorted(embed_options.allowed_displays(context.settings)),
        placement_title=_text_setting(context.settings, "title"),
        selection_key=context.selection_key,
        caption_languages=CAPTION_LANGUAGES,
        part_limits=(MIN_PART_BYTES, MAX_PART_BYTES),
    )


@bp.get("/api/context")
def chooser_context_json():
    """Where this chooser starts: the unit's folder, and a student's own folder."""
    context = chooser_context()
    client = panopto_client(context)
    unit = chooser_places.unit_folder(context, client)
    own = (
        None if context.is_staff else chooser_places.submission_folder(context, client)
    )
    return jsonify(
        staff=context.is_staff,
        unit_folder=folder_json(unit) if unit and context.is_staff else None,
        own_folder=folder_json(own) if own else None,
    )


@bp.get("/api/folders")
def folders():
    """Child folders of ``parent`` (the top of the tree when absent)."""
    context = staff_context()
    parent = _guid_arg("parent", default=TOP_FOLDER_ID)
    client = panopto_client(context)
    return jsonify(folders=[folder_json(f) for f in client.all_child_folders(parent)])


@bp.get("/api/creator-folders")
def creator_folders():
    """Folders this user may upload into ("My folders"); a student gets their own."""
    context = chooser_context()
    client = panopto_client(context)
    if not context.is_staff:
        own = chooser_places.submission_folder(context, client)
        return jsonify(folders=[folder_json(own)] if own else [])
    return jsonify(folders=[folder_json(f) for f in client.all_creator_folders()])


@bp.get("/api/folders/<folder_id>/sessions")
def folder_sessions(folder_id: str):
    """One page of the videos in a folder."""
    context = chooser_context()
    if not is_guid(folder_id):
        raise BadRequest("That folder id is not valid.")
    client = panopto_client(context)
    check_folder_allowed(context, client, folder_id)
    page = client.list_folder_sessions(folder_id, _page_arg())
    return jsonify(
        sessions=[session_json(s) for s in page.items], page=page.page_number
    )


@bp.get("/api/search")
def search():
    """One page of the videos matching the search box, across every folder."""
    context = staff_context()
    query = (request.args.get("q") or "").strip()
    if not query or len(query) > MAX_QUERY_LENGTH:
        raise BadRequest(f"Type between 1 and {MAX_QUERY_LENGTH} characters to search.")
    client = panopto_client(context)
    page = client.search_sessions(query, _page_arg())
    return jsonify(
        sessions=[session_json(s) for s in page.items], page=page.page_number
    )


@bp.get("/api/recent")
def recent():
    """One page of the videos this user watched lately."""
    context = staff_context()
    page = panopto_client(context).list_viewed_sessions(_page_arg())
    return jsonify(
        sessions=[session_json(s) for s in page.items], page=page.page_number
    )


@bp.post("/api/insert")
def insert():
    """Sign the Deep Linking response for the chosen videos; the page then posts it."""
    context, launch = _context_and_launch()
    choices = _choices_from_body(embed_options.allowed_displays(context.settings))
    client = panopto_client(context)

    items = []
    for session_id, options in choices:
        session = client.get_session(session_id)
        if session.folder_id:
            check_folder_allowed(context, client, session.folder_id)
        elif not context.is_staff:
            raise Forbidden(STUDENTS_OWN_FOLDER_ONLY)
        items.append(
            ResourceLinkItem(
                launch_url=services.launch_url(),
                session_id=session.id,
                title=session.name,
                description=session.description,
                thumbnail_url=session.thumbnail_url,
                options=options,
                extra_custom=access.place(context.launch_data, session.id),
            )
        )

    jwt = build_response_jwt(launch.get_deep_link(), context.settings, items)
    logger.info("Returning %d Panopto video(s) to %s", len(items), context.user.issuer)
    return jsonify(return_url=context.settings["deep_link_return_url"], jwt=jwt)


def _text_setting(settings: dict[str, Any], name: str) -> str:
    value = settings.get(name)
    return value[:200] if isinstance(value, str) else ""


# -- shared by the chooser's blueprints ----------------------------------------------


def chooser_context() -> ChooserContext:
    return _context_and_launch()[0]


def staff_context() -> ChooserContext:
    """The chooser's context, for endpoints that browse beyond the user's own folder.

    :raises Forbidden: for students.
    """
    context = chooser_context()
    if not context.is_staff:
        raise Forbidden(STUDENTS_OWN_FOLDER_ONLY)
    return context


def panopto_client(context: ChooserContext) -> PanoptoClient:
    return services.panopto_oauth().client_for(context.user)


def check_folder_allowed(
    context: ChooserContext, client: PanoptoClient, folder_id: str
) -> None:
    """Staff may use any folder Panopto lets them; a student only their own.

    :raises Forbidden: when a student names another folder.
    """
    if context.is_staff:
        return
    own = chooser_places.submission_folder(context, client)
    if own is None or own.id != folder_id:
        raise Forbidden(STUDENTS_OWN_FOLDER_ONLY)


def folder_json(folder: Folder) -> dict[str, Any]:
    return {"id": folder.id, "name": folder.name, "parent_id": folder.parent_id}


def session_json(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "name": session.name,
        "description": session.description,
        "folder_id": session.folder_id,
        "folder_name": session.folder_name,
        "start_time": session.start_time.isoformat() if session.start_time else None,
        "duration_seconds": session.duration_seconds,
        # Folder listings carry no thumbnail address; Panopto's frame grabber has one
        # for every session, built from the configured site only.
        "thumbnail_url": session.thumbnail_url
        or thumbnail_url(current_app.config["PANOPTO_BASE_URL"], session.id),
    }


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


def _choices_from_body(
    displays: frozenset[str],
) -> list[tuple[str, embed_options.EmbedOptions]]:
    """The chosen videos with their embed options, from ``items`` (or the older
    ``session_ids``, which means default options)."""
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        body = {}
    items = body.get("items")
    if items is None and isinstance(body.get("session_ids"), list):
        items = [{"session_id": value} for value in body["session_ids"]]

    if not isinstance(items, list) or not items:
        raise BadRequest("Choose at least one video to insert.")
    if len(items) > MAX_ITEMS_PER_INSERT:
        raise BadRequest(f"Choose at most {MAX_ITEMS_PER_INSERT} videos at a time.")

    choices: dict[str, embed_options.EmbedOptions] = {}
    for item in items:
        session_id = item.get("session_id") if isinstance(item, dict) else None
        if not is_guid(session_id):
            raise BadRequest("One of the chosen video ids is not valid.")
        choices.setdefault(
            session_id, embed_options.from_chooser(item.get("options"), displays)
        )
    return list(choices.items())
