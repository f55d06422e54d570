"""REST v1 under ``/Panopto/api/v1``: the routes the tool uses, per the swagger.

Every call goes through, in order: the configured latency, any injected fault, then
bearer authentication (or the legacy ``.ASPXAUTH`` cookie). A stale, unknown or
scope-less token gets 401 without a body; 400 and 404 carry ``APIError``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, g, jsonify, request

from . import urls
from .captions import CONTENT_LANGUAGES, MAX_CAPTION_BYTES, looks_like_captions
from .errors import ApiError, BadRequest, Unauthorized
from .listing import (
    ListQuery,
    ordered,
    page,
    parse_bool,
    parse_guid,
    parse_list_query,
    require_search_query,
)
from .models import Folder, Session
from .search import first_matching_text, query_terms
from .shapes import SessionView, Shapes, access_settings, api_error
from .simulator import current_simulator

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/Panopto/api/v1")

LEGACY_COOKIE = ".ASPXAUTH"
REQUIRED_SCOPE = "api"
FOLDER_SORT_FIELDS = ("Name", "Relevance")
SESSION_SORT_FIELDS = ("Name", "CreatedDate", "Relevance")
FAULT_BODIES = {503: "Service Unavailable", 429: "Too Many Requests", 500: "Error"}


# -- request pipeline ----------------------------------------------------------------


@bp.before_request
def simulate_site() -> Response | None:
    """Apply latency and faults, then identify the caller."""
    sim = current_simulator()
    sim.calls.append((request.method, request.path))
    latency_ms = sim.settings["SIM_LATENCY_MS"]
    if latency_ms:
        time.sleep(latency_ms / 1000)

    fault = sim.faults.take()
    if fault is not None:
        logger.info("injected fault %s on %s", fault.mode, request.path)
        if fault.status is None:
            time.sleep((fault.delay_ms or 0) / 1000)
        else:
            return _fault_response(fault.status, fault.retry_after)

    g.user_id = _authenticate()
    sim.uploads.advance_all()
    return None


def _fault_response(status: int, retry_after: int | None) -> Response:
    if status == Unauthorized.status:
        return _empty(status)
    response = Response(FAULT_BODIES[status], status=status, mimetype="text/plain")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _authenticate() -> str:
    """The caller's user id, from the bearer token or the legacy cookie.

    :raises Unauthorized: without a usable credential.
    """
    sim = current_simulator()
    cookie = request.cookies.get(LEGACY_COOKIE)
    if cookie and "Authorization" not in request.headers:
        user_id = sim.tokens.user_for_cookie(cookie)
        if user_id:
            return user_id

    try:
        token = sim.protector.acquire_token(REQUIRED_SCOPE)
    except OAuth2Error as error:
        # authlib answers some cases with 403 and a JSON body; Panopto's samples
        # treat 401 as "token no longer valid" and the swagger gives it no body.
        logger.info("REST call refused: %s", error.error)
        raise Unauthorized("No valid token.") from error
    return token.user_id


@bp.errorhandler(ApiError)
def answer_api_error(error: ApiError) -> Response:
    if not error.has_body:
        return _empty(error.status)
    response = jsonify(api_error(error))
    response.status_code = error.status
    return response


def _empty(status: int) -> Response:
    response = Response(status=status)
    if status == Unauthorized.status:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _shapes() -> Shapes:
    sim = current_simulator()
    return Shapes(sim.store, sim.base_url, g.user_id)


def _results(items: list[dict[str, Any]]) -> Response:
    return jsonify({"Results": items})


# -- auth ----------------------------------------------------------------------------


@bp.get("/auth/legacyLogin")
def legacy_login() -> Response:
    """Set the ``.ASPXAUTH`` cookie that Panopto's older APIs use."""
    value = current_simulator().tokens.issue_cookie(g.user_id)
    # The body of the real response is unknown; the swagger says "a string".
    response = jsonify("Authenticated")
    response.set_cookie(
        LEGACY_COOKIE, value, httponly=True, samesite="Lax", path="/Panopto"
    )
    return response


# -- folders -------------------------------------------------------------------------


@bp.get("/folders/<folder_id>")
def get_folder(folder_id: str) -> Response:
    """One folder by id."""
    folder = current_simulator().store.get_folder(g.user_id, parse_guid(folder_id))
    return jsonify(_shapes().folder(folder))


@bp.get("/folders/<folder_id>/children")
def child_folders(folder_id: str) -> Response:
    """Child folders; the zero GUID lists the top level."""
    parent_id = parse_guid(folder_id)
    query = parse_list_query(request.args, FOLDER_SORT_FIELDS, "Name")
    if query.sort_field == "Relevance":
        # The swagger: "'Relevance' is not valid for this function."
        raise BadRequest("sortField Relevance is not valid here.", source="sortField")
    can_create = parse_bool(request.args, "canCreate")

    folders = current_simulator().store.child_folders(g.user_id, parent_id, can_create)
    return _folder_page([(folder, 0) for folder in folders], query)


@bp.get("/folders/search")
def search_folders() -> Response:
    """Folders whose name matches ``searchQuery``."""
    terms = query_terms(require_search_query(request.args))
    query = parse_list_query(request.args, FOLDER_SORT_FIELDS, "Relevance")
    can_create = parse_bool(request.args, "canCreate")

    hits = current_simulator().store.search_folders(g.user_id, terms, can_create)
    return _folder_page(hits, query)


@bp.get("/folders/creator")
def creator_folders() -> Response:
    """Folders where the caller may create sessions."""
    query = parse_list_query(request.args, FOLDER_SORT_FIELDS, "Relevance")
    folders = current_simulator().store.creator_folders(g.user_id)
    return _folder_page([(folder, 0) for folder in folders], query)


def _folder_page(hits: list[tuple[Folder, int]], query: ListQuery) -> Response:
    def by_name(hit: tuple[Folder, int]) -> tuple:
        return (hit[0].name.casefold(), hit[0].id)

    def by_relevance(hit: tuple[Folder, int]) -> tuple:
        return (-hit[1], *by_name(hit))

    key = by_relevance if query.sort_field == "Relevance" else by_name
    chosen = page(ordered(hits, key, query.descending), query.page_number, _size())
    shapes = _shapes()
    return _results([shapes.folder(folder) for folder, _ in chosen])


# -- sessions ------------------------------------------------------------------------


@bp.get("/folders/<folder_id>/sessions")
def folder_sessions(folder_id: str) -> Response:
    """Sessions of a folder, without CreatedBy and most Urls (swagger note)."""
    folder_id = parse_guid(folder_id)
    query = parse_list_query(request.args, SESSION_SORT_FIELDS, "Name")
    sessions = current_simulator().store.folder_sessions(g.user_id, folder_id)
    return _session_page([(s, 0) for s in sessions], query, SessionView.FOLDER_LIST)


@bp.get("/folders/<folder_id>/sessions/search")
def search_folder_sessions(folder_id: str) -> Response:
    """Sessions of a folder that match ``searchQuery``."""
    folder_id = parse_guid(folder_id)
    terms = query_terms(require_search_query(request.args))
    query = parse_list_query(request.args, SESSION_SORT_FIELDS, "Name")

    hits = current_simulator().store.search_sessions(g.user_id, terms, folder_id)
    return _session_page(hits, query, SessionView.FOLDER_LIST)


@bp.get("/sessions/search")
def search_sessions() -> Response:
    """Sessions anywhere the caller can see that match ``searchQuery``."""
    terms = query_terms(require_search_query(request.args))
    query = parse_list_query(request.args, SESSION_SORT_FIELDS, "Name")
    fields = {
        f.strip().lower() for f in request.args.get("includeFields", "").split(",")
    }

    hits = current_simulator().store.search_sessions(g.user_id, terms)
    return _session_page(
        hits,
        query,
        SessionView.SEARCH_LIST,
        with_context="context" in fields,
        terms=terms,
    )


@bp.get("/users/me/sessions/viewed")
def viewed_sessions() -> Response:
    """Sessions the caller has partly watched (all watched ones with
    ``includeCompleted=true``)."""
    query = parse_list_query(request.args, SESSION_SORT_FIELDS, "Name")
    include_completed = parse_bool(request.args, "includeCompleted")

    sessions = current_simulator().store.viewed_sessions(g.user_id, include_completed)
    # Which fields this list leaves out is undocumented; the simulator treats it
    # like the session search.
    return _session_page([(s, 0) for s in sessions], query, SessionView.SEARCH_LIST)


def _session_page(
    hits: list[tuple[Session, int]],
    query: ListQuery,
    view: SessionView,
    with_context: bool = False,
    terms: list[str] | None = None,
) -> Response:
    key = _session_sort_key(query.sort_field)
    chosen = page(ordered(hits, key, query.descending), query.page_number, _size())

    shapes = _shapes()
    results = []
    for session, _ in chosen:
        context = None
        if with_context:
            text = first_matching_text(terms, session.name, session.description)
            context = shapes.search_context(session, text or session.name)
        results.append(shapes.session(session, view, context))
    return _results(results)


def _session_sort_key(sort_field: str) -> Any:
    def by_name(hit: tuple[Session, int]) -> tuple:
        return (hit[0].name.casefold(), hit[0].id)

    def by_created(hit: tuple[Session, int]) -> tuple:
        return (hit[0].created_at, hit[0].id)

    def by_relevance(hit: tuple[Session, int]) -> tuple:
        return (-hit[1], *by_name(hit))

    return {"Name": by_name, "CreatedDate": by_created, "Relevance": by_relevance}[
        sort_field
    ]


@bp.get("/sessions/<session_id>")
def get_session(session_id: str) -> Response:
    """One session by id, with every field."""
    session = current_simulator().store.get_session(g.user_id, parse_guid(session_id))
    return jsonify(_shapes().session(session))


@bp.put("/sessions/<session_id>")
def update_session(session_id: str) -> Response:
    """Change a session's name, description or folder (``SessionUpdate``)."""
    session_id = parse_guid(session_id)
    changes = _session_update(request.get_json(silent=True))

    session = current_simulator().store.update_session(g.user_id, session_id, **changes)
    logger.info("session %s updated", session_id)
    return jsonify(_shapes().session(session))


@bp.delete("/sessions/<session_id>")
def delete_session(session_id: str) -> Response:
    """Delete a session; the swagger's answer is a GUID string."""
    session_id = parse_guid(session_id)
    current_simulator().store.delete_session(g.user_id, session_id)
    logger.info("session %s deleted", session_id)
    return jsonify(session_id)


@bp.get("/sessions/<session_id>/settings/access")
def session_access(session_id: str) -> Response:
    """A session's access level and whether it is inherited from the folder."""
    store = current_simulator().store
    session = store.get_session(g.user_id, parse_guid(session_id))
    level = store.session_level(session)
    return jsonify(access_settings(level, inherited=session.access_level is None))


@bp.post("/sessions/<session_id>/captions")
def upload_captions(session_id: str) -> Response:
    """Add a caption file (SRT or WebVTT) in one ``ContentLanguage``; 200 without a body.

    The swagger names no file field, so the first file of the form is taken.
    """
    session_id = parse_guid(session_id)
    language = _content_language(request.form.get("language"), "language")
    upload = next(iter(request.files.values()), None)
    if upload is None:
        raise BadRequest("Attach the caption file.", source="file")
    text = upload.read(MAX_CAPTION_BYTES + 1).decode("utf-8", errors="replace")
    if len(text) > MAX_CAPTION_BYTES or not looks_like_captions(text):
        raise BadRequest("The file is not an SRT or WebVTT caption file.", "file")

    current_simulator().store.add_captions(g.user_id, session_id, language, text)
    logger.info("captions in %s added to session %s", language, session_id)
    return Response(status=200)


@bp.delete("/sessions/<session_id>/captions")
def delete_captions(session_id: str) -> Response:
    """Remove every caption track of a session."""
    session_id = parse_guid(session_id)
    current_simulator().store.delete_captions(g.user_id, session_id, None)
    return Response(status=200)


@bp.delete("/sessions/<session_id>/captions/languages/<language>")
def delete_caption_language(session_id: str, language: str) -> Response:
    """Remove one language's track; ``null`` names the default language."""
    session_id = parse_guid(session_id)
    if language == "null":
        language = urls.CAPTION_LANGUAGE
    language = _content_language(language, "language")
    current_simulator().store.delete_captions(g.user_id, session_id, language)
    return Response(status=200)


def _content_language(value: str | None, source: str) -> str:
    for known in CONTENT_LANGUAGES:
        if value is not None and value.strip().lower() == known.lower():
            return known
    raise BadRequest("language must be a ContentLanguage value.", source=source)


def _session_update(body: Any) -> dict[str, str | None]:
    """Read a ``SessionUpdate`` body.

    :raises BadRequest: when it is not a JSON object of strings.
    """
    if not isinstance(body, dict):
        raise BadRequest(
            "The body must be a JSON SessionUpdate object.", "sessionUpdate"
        )

    changes: dict[str, str | None] = {}
    for field, argument in (("Name", "name"), ("Description", "description")):
        changes[argument] = _optional_string(body, field)
    folder = _optional_string(body, "Folder")
    changes["folder_id"] = parse_guid(folder, "Folder") if folder is not None else None
    return changes


def _optional_string(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{field} must be a string.", source=field)
    return value


def _size() -> int:
    return current_simulator().page_size
