"""Managing a video from the chooser: details, rename, describe, move, delete, captions.

Panopto decides who may change a session (its creators); the chooser only offers these
to people Panopto gives an editor link, and a student only for videos in their own folder.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from .. import viewer_status
from ..errors import BadRequest, Forbidden, PanoptoNotFound, PanoptoRejected
from ..panopto.captions import (
    CAPTION_EXTENSIONS,
    LANGUAGE_VALUES,
    MAX_CAPTION_BYTES,
    caption_format,
)
from ..panopto.client import PanoptoClient
from ..panopto.embed import embed_url, is_guid, viewer_url
from ..panopto.models import Session
from .chooser import (
    check_folder_allowed,
    chooser_context,
    panopto_client,
    session_json,
)

logger = logging.getLogger(__name__)

bp = Blueprint("manage", __name__, url_prefix="/chooser/api/sessions")

MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 4000
NOT_YOURS = "You can change only videos you created in Panopto."


@bp.get("/<session_id>")
def details(session_id: str):
    """Everything the chooser shows about one video, with the preview player address."""
    _, client, session = _session(session_id)
    return jsonify(_details_json(session))


@bp.put("/<session_id>")
def update(session_id: str):
    """Rename, re-describe or move a video."""
    context, client, session = _editable(session_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("Send the new name, description or folder.")

    name = _text(body, "name", MAX_NAME_LENGTH)
    if name is not None and not name.strip():
        raise BadRequest("A video needs a title.")
    description = _text(body, "description", MAX_DESCRIPTION_LENGTH)
    folder_id = body.get("folder_id")
    if folder_id is not None:
        if not is_guid(folder_id):
            raise BadRequest("That folder id is not valid.")
        check_folder_allowed(context, client, folder_id)

    updated = client.update_session(
        session.id,
        name=name.strip() if name else None,
        description=description,
        folder_id=folder_id if folder_id != session.folder_id else None,
    )
    logger.info("Session %s updated through the chooser", session.id)
    return jsonify(_details_json(updated))


@bp.delete("/<session_id>")
def delete(session_id: str):
    """Delete a video. Panopto's retention policy decides how long it can be restored."""
    _, client, session = _editable(session_id)
    client.delete_session(session.id)
    viewer_status.record_deleted(session.id)
    logger.info("Session %s deleted through the chooser", session.id)
    return jsonify(deleted=session.id)


@bp.post("/<session_id>/captions")
def captions(session_id: str):
    """Add, or with ``replace`` swap, the caption file of one language."""
    _, client, session = _editable(session_id)
    language = request.form.get("language", "")
    if language not in LANGUAGE_VALUES:
        raise BadRequest("Choose the language of the captions.")
    filename, content = _caption_file()

    if request.form.get("replace") == "true":
        try:
            client.delete_captions(session.id, language)
        except PanoptoNotFound:
            logger.info("No %s captions to replace on %s", language, session.id)
    try:
        client.upload_captions(session.id, language, filename, content)
    except PanoptoRejected as err:
        # Panopto takes one track per language; a second one is refused.
        raise BadRequest(
            "Panopto refused these captions. If the video already has captions in this "
            "language, tick “Replace” and try again."
        ) from err
    logger.info("Captions in %s uploaded to session %s", language, session.id)
    return jsonify(session_id=session.id, language=language)


def _session(session_id: str) -> tuple[Any, PanoptoClient, Session]:
    if not is_guid(session_id):
        raise BadRequest("That video id is not valid.")
    context = chooser_context()
    client = panopto_client(context)
    session = client.get_session(session_id)
    if session.folder_id:
        check_folder_allowed(context, client, session.folder_id)
    elif not context.is_staff:
        raise Forbidden(NOT_YOURS)
    return context, client, session


def _editable(session_id: str) -> tuple[Any, PanoptoClient, Session]:
    context, client, session = _session(session_id)
    if session.editor_url is None:
        raise Forbidden(NOT_YOURS)
    return context, client, session


def _details_json(session: Session) -> dict[str, Any]:
    base_url = current_app.config["PANOPTO_BASE_URL"]
    return {
        **session_json(session),
        "can_edit": session.editor_url is not None,
        "editor_url": session.editor_url,
        "viewer_url": viewer_url(base_url, session.id),
        "preview_url": embed_url(base_url, session.id),
    }


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadRequest(f"The {name} must be text of at most {limit} characters.")
    return value


def _caption_file() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("Choose a caption file (.srt or .vtt).")
    if not upload.filename.lower().endswith(CAPTION_EXTENSIONS):
        raise BadRequest("Caption files must be SRT (.srt) or WebVTT (.vtt).")

    content = upload.read(MAX_CAPTION_BYTES + 1)
    if len(content) > MAX_CAPTION_BYTES:
        raise BadRequest("That caption file is larger than 2 MB.")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest("Save the caption file as UTF-8 text and try again.") from err
    if caption_format(upload.filename, text) is None:
        raise BadRequest("That file does not look like SRT or WebVTT captions.")
    return upload.filename.rsplit("/", 1)[-1][:100], content
