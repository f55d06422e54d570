"""Browser pages: the stand-in player (Embed.aspx, Viewer.aspx), thumbnails,
captions, and an index page for people.

The player honours the embed query flags of API-NOTES section 5 visibly, so tests
and demos can see what an embed URL asked for. It plays nothing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, Response, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from . import seed, urls
from .errors import ApiError
from .headers import FRAMEABLE, PAGE_CSP, SVG_CSP
from .models import Session
from .shapes import api_error
from .signin import signed_in_user
from .simulator import Simulator, current_simulator

logger = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

THUMBNAIL_TITLE_LENGTH = 34
"""Characters of the title that fit on one line of the 320x180 thumbnail."""

HUE_STEPS = 360

BOOLEAN_FLAGS = {
    # flag: default, per the share-dialog embed codes (API-NOTES section 5)
    "autoplay": False,
    "offerviewer": True,
    "showtitle": True,
    "showbrand": True,
    "captions": False,
}
INTERACTIVITY_VALUES = ("all", "none")


@dataclass(frozen=True)
class PlayerFlags:
    """The embed flags as the player understood them, and any it ignored."""

    values: dict[str, bool]
    interactivity: str
    start_seconds: float | None
    ignored: list[str]


def parse_player_flags(args: Mapping[str, str]) -> PlayerFlags:
    """Read the embed query flags; a malformed one is ignored and reported."""
    ignored = []
    values = {}
    for name, default in BOOLEAN_FLAGS.items():
        raw = args.get(name, "").strip().lower()
        values[name] = {"true": True, "1": True, "false": False, "0": False}.get(
            raw, default
        )
        if raw and raw not in {"true", "1", "false", "0"}:
            ignored.append(name)

    interactivity = args.get("interactivity", "all").strip().lower()
    if interactivity not in INTERACTIVITY_VALUES:
        ignored.append("interactivity")
        interactivity = "all"

    start = _start_seconds(args.get("start"))
    if args.get("start") and start is None:
        ignored.append("start")
    return PlayerFlags(values, interactivity, start, ignored)


def _start_seconds(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    if value is None or value != value or value < 0:  # value != value: NaN
        return None
    return value


def _find_session(sim: Simulator, raw_id: str | None) -> Session | None:
    try:
        session_id = str(uuid.UUID(raw_id or ""))
    except ValueError:
        return None
    return sim.store.sessions.get(session_id)


@bp.get("/Panopto/Pages/Embed.aspx")
def embed() -> tuple[str, int, dict[str, str]]:
    """The stand-in embedded player."""
    return _player("embed")


@bp.get("/Panopto/Pages/Viewer.aspx")
def viewer() -> tuple[str, int, dict[str, str]]:
    """The stand-in full viewer."""
    return _player("viewer")


def _player(mode: str) -> tuple[str, int, dict[str, str]]:
    sim = current_simulator()
    if request.args.get("pid"):
        return _not_found("Playlists are not simulated.", FRAMEABLE)

    session = _find_session(sim, request.args.get("id"))
    if session is None:
        return _not_found("Session not found.", FRAMEABLE)

    viewer_user = signed_in_user(sim)
    page = render_template(
        "panopto_sim/player.html",
        mode=mode,
        session=session,
        folder=sim.store.folders[session.folder_id],
        flags=parse_player_flags(request.args),
        access_level=sim.store.session_level(session).value,
        viewer=viewer_user,
        thumbnail_url=urls.thumbnail("", session.id),
    )
    return page, 200, FRAMEABLE


@bp.get(urls.THUMBNAIL_PATH)
def thumbnail() -> Response:
    """A generated SVG thumbnail per session (Panopto's route redirects to an
    image; the simulator answers with one directly, whatever ``usePng`` says)."""
    session = _find_session(current_simulator(), request.args.get("objectId"))
    if session is None:
        return Response("Thumbnail not found.", status=404, mimetype="text/plain")

    svg = render_template(
        "panopto_sim/thumbnail.svg",
        title=_shorten(session.name, THUMBNAIL_TITLE_LENGTH),
        duration=_clock(session.duration),
        hue=_hue(session.id),
    )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response


@bp.get(urls.CAPTIONS_PATH)
def captions() -> Response:
    """A two-line SRT file for sessions that have captions."""
    session = _find_session(current_simulator(), request.args.get("id"))
    if session is None or not session.captioned:
        return Response("Captions not found.", status=404, mimetype="text/plain")

    uploaded = session.caption_tracks.get(request.args.get("language", ""))
    body = uploaded or render_template("panopto_sim/captions.srt", title=session.name)
    return Response(body, mimetype="text/plain")


@bp.get("/")
@bp.get("/Panopto/")
def index() -> str:
    """What this simulator is and what it holds."""
    sim = current_simulator()
    return render_template(
        "panopto_sim/index.html",
        sim=sim,
        users=sim.store.users.values(),
        folders=sim.store.folders.values(),
        sessions_by_folder=_sessions_by_folder(sim),
        zero_guid=seed.ZERO_GUID,
    )


@bp.get("/Panopto/<path:rest>")
def not_simulated(rest: str) -> tuple[str, int, dict[str, str]]:
    """Panopto pages the simulator does not have (editor, share dialog, ...)."""
    if rest.startswith("api/"):
        abort(404)  # unknown REST routes answer with JSON, see answer_http_error
    return _not_found("This Panopto page is not simulated.", {})


def _sessions_by_folder(sim: Simulator) -> dict[str, list[Session]]:
    grouped: dict[str, list[Session]] = {}
    for session in sim.store.sessions.values():
        grouped.setdefault(session.folder_id, []).append(session)
    return grouped


def _not_found(
    message: str, headers: dict[str, str]
) -> tuple[str, int, dict[str, str]]:
    page = render_template(
        "panopto_sim/message.html", title="Not found", message=message
    )
    return page, 404, headers


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def _hue(session_id: str) -> int:
    """A stable colour per session, so thumbnails tell sessions apart."""
    return int(hashlib.sha256(session_id.encode()).hexdigest(), 16) % HUE_STEPS


@bp.app_errorhandler(HTTPException)
def answer_http_error(error: HTTPException) -> Response | tuple[str, int]:
    """``APIError`` JSON under the REST prefix, a short page elsewhere; no trace."""
    status = error.code or 500
    if request.path.startswith("/Panopto/api/"):
        details = ApiError(
            error.description or error.name,
            source=request.path,
            code=error.name.replace(" ", ""),
        )
        response = jsonify(api_error(details))
        response.status_code = status
        return response
    page = render_template(
        "panopto_sim/message.html", title=error.name, message=error.description
    )
    return page, status


@bp.after_app_request
def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    return response
