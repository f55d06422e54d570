"""Uploading and recording from the chooser: the browser sends the file part by part.

``POST /chooser/api/uploads`` starts an upload and says how to cut the file; each
``PUT …/parts/<n>`` carries one part as the raw request body, streamed on to Panopto;
``POST …/complete`` finishes it; ``GET …/<id>`` reports progress and processing;
``DELETE …/<id>`` cancels. Nothing here reads a part into memory.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from .. import uploads
from ..errors import BadRequest
from ..panopto.embed import is_guid
from ..uploads import MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH
from .chooser import check_folder_allowed, chooser_context, panopto_client

logger = logging.getLogger(__name__)

bp = Blueprint("uploads", __name__, url_prefix="/chooser/api/uploads")


@bp.post("")
def start():
    context = chooser_context()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("Send the file's name and size, a title and a folder.")

    folder_id = body.get("folder_id")
    if not is_guid(folder_id):
        raise BadRequest("Choose the folder the video goes into.")
    title = _text(body, "title", MAX_TITLE_LENGTH).strip()
    if not title:
        raise BadRequest("Give the video a title.")
    size = body.get("size")
    if isinstance(size, bool) or not isinstance(size, int):
        raise BadRequest("The file size is missing.")

    client = panopto_client(context)
    check_folder_allowed(context, client, folder_id)
    upload = uploads.start(
        client,
        context.user,
        folder_id=folder_id,
        title=title,
        description=_text(body, "description", MAX_DESCRIPTION_LENGTH).strip() or None,
        filename=_text(body, "filename", 255),
        size=size,
        content_type=_text(body, "content_type", 100),
    )
    return jsonify(uploads.to_json(upload)), 201


@bp.get("")
def unfinished():
    """The user's uploads that stopped before every part arrived, to resume them."""
    context = chooser_context()
    return jsonify(
        uploads=[uploads.to_json(u) for u in uploads.unfinished(context.user)]
    )


@bp.get("/<upload_id>")
def status(upload_id: str):
    context = chooser_context()
    upload = uploads.owned(upload_id, context.user)
    if upload.state == uploads.PROCESSING:
        uploads.refresh(panopto_client(context), upload)
    return jsonify(uploads.to_json(upload))


@bp.put("/<upload_id>/parts/<int:number>")
def part(upload_id: str, number: int):
    context = chooser_context()
    upload = uploads.owned(upload_id, context.user)
    length = request.content_length
    if length is None:
        raise BadRequest("Send the part with its Content-Length.")

    # request.stream, never request.data: the part goes on to Panopto as it arrives.
    uploads.receive_part(upload, number, request.stream, length)
    return jsonify(part=number, received=True)


@bp.post("/<upload_id>/complete")
def complete(upload_id: str):
    context = chooser_context()
    upload = uploads.owned(upload_id, context.user)
    uploads.finish(panopto_client(context), upload)
    return jsonify(uploads.to_json(upload))


@bp.delete("/<upload_id>")
def cancel(upload_id: str):
    context = chooser_context()
    upload = uploads.owned(upload_id, context.user)
    uploads.cancel(panopto_client(context), upload)
    return jsonify(uploads.to_json(upload))


def _text(body: dict, name: str, limit: int) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise BadRequest(f"The {name.replace('_', ' ')} is too long or not text.")
    return value
