"""The upload routes (API-NOTES section 6): ``/Panopto/PublicAPI/REST/sessionUpload`` and
the S3-compatible multipart endpoints under each ``UploadTarget``.

The S3 side speaks just enough of Amazon's protocol for boto3 with path-style addressing:
``Upload`` is the bucket and ``{upload id}/{file name}`` the key, so every request URL is
``UploadTarget + "/" + file name``. S3 credentials are not checked, as on Panopto.
"""

from __future__ import annotations

import logging
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, g, jsonify, request

from .errors import ApiError, BadRequest, Forbidden
from .listing import parse_guid
from .shapes import api_error
from .simulator import current_simulator
from .uploads import READ_CHUNK_BYTES, S3Error, SessionUpload, UploadState

logger = logging.getLogger(__name__)

bp = Blueprint("uploads", __name__)

PUBLIC_API = "/Panopto/PublicAPI/REST"
UPLOAD_TARGET_PATH = "/Panopto/Upload"
S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
#: A CompleteMultipartUpload body lists at most 10,000 parts of about 100 bytes each.
MAX_COMPLETE_BODY_BYTES = 2 * 1024 * 1024


# -- sessionUpload -------------------------------------------------------------------


@bp.before_request
def authenticate() -> None:
    """Bearer tokens on the PublicAPI; a stale or unknown one gets 403 (API-NOTES 11)."""
    if not request.path.startswith(PUBLIC_API):
        return
    sim = current_simulator()
    latency_ms = sim.settings["SIM_LATENCY_MS"]
    if latency_ms:
        time.sleep(latency_ms / 1000)
    try:
        token = sim.protector.acquire_token("api")
    except OAuth2Error as error:
        logger.info("upload API call refused: %s", error.error)
        raise Forbidden("No valid token.") from error
    g.user_id = token.user_id


@bp.errorhandler(ApiError)
def answer_api_error(error: ApiError) -> Response:
    if not error.has_body:
        return Response(status=error.status)
    response = jsonify(api_error(error))
    response.status_code = error.status
    return response


@bp.post(PUBLIC_API + "/sessionUpload")
def create_upload() -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("FolderId"), str):
        raise BadRequest("Send a JSON object with FolderId.", source="FolderId")
    folder_id = parse_guid(body["FolderId"], "FolderId")

    upload = current_simulator().uploads.create(g.user_id, folder_id)
    logger.info("session upload %s created in folder %s", upload.id, folder_id)
    return jsonify(_upload_json(upload)), 201


@bp.get(PUBLIC_API + "/sessionUpload/<upload_id>")
def get_upload(upload_id: str) -> Response:
    upload = current_simulator().uploads.get(g.user_id, parse_guid(upload_id))
    return jsonify(_upload_json(upload))


@bp.put(PUBLIC_API + "/sessionUpload/<upload_id>")
def update_upload(upload_id: str) -> Response:
    """Clients send the whole object back with ``State: 1`` to finish the upload."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("State") != UploadState.UPLOAD_COMPLETE:
        raise BadRequest("Only State 1 (UploadComplete) can be set.", source="State")
    upload = current_simulator().uploads.finish(g.user_id, parse_guid(upload_id))
    logger.info("session upload %s finished", upload.id)
    return jsonify(_upload_json(upload))


@bp.delete(PUBLIC_API + "/sessionUpload/<upload_id>")
def cancel_upload(upload_id: str) -> Response:
    upload = current_simulator().uploads.cancel(g.user_id, parse_guid(upload_id))
    logger.info("session upload %s cancelled", upload.id)
    return jsonify(_upload_json(upload))


def _upload_json(upload: SessionUpload) -> dict[str, Any]:
    """The sessionUpload object; note ``ID`` in capitals, and Panopto's ``Priorty``."""
    base = current_simulator().base_url
    return {
        "ID": upload.id,
        "FolderId": upload.folder_id,
        "SessionId": upload.session_id,
        "UploadTarget": f"{base}{UPLOAD_TARGET_PATH}/{upload.id}",
        "State": int(upload.state),
        "Priorty": None,
        "MessageID": upload.message_id,
        "Message": upload.message,
    }


# -- S3 multipart --------------------------------------------------------------------


@bp.errorhandler(S3Error)
def answer_s3_error(error: S3Error) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error>"
    )
    return Response(body, status=error.status, mimetype="application/xml")


@bp.route(
    UPLOAD_TARGET_PATH + "/<upload_id>/<path:filename>",
    methods=["POST", "PUT", "DELETE"],
)
def s3_object(upload_id: str, filename: str) -> Response:
    uploads = current_simulator().uploads
    upload_id = _target_id(upload_id)
    multipart_id = request.args.get("uploadId")

    if request.method == "POST" and "uploads" in request.args:
        multipart = uploads.initiate(upload_id, filename)
        return _xml(
            "InitiateMultipartUploadResult",
            Bucket="Upload",
            Key=f"{upload_id}/{filename}",
            UploadId=multipart.upload_id,
        )
    if request.method == "PUT" and multipart_id:
        number = _part_number(request.args.get("partNumber"))
        etag = uploads.put_part(upload_id, multipart_id, number, _body_chunks())
        return Response(status=200, headers={"ETag": etag})
    if request.method == "PUT":
        etag = uploads.put_object(upload_id, filename, _body_chunks())
        return Response(status=200, headers={"ETag": etag})
    if request.method == "POST" and multipart_id:
        parts = _completed_parts(
            request.get_data(cache=False)[:MAX_COMPLETE_BODY_BYTES]
        )
        etag = uploads.complete(upload_id, multipart_id, parts)
        return _xml(
            "CompleteMultipartUploadResult",
            Location=request.base_url,
            Bucket="Upload",
            Key=f"{upload_id}/{filename}",
            ETag=etag,
        )
    if request.method == "DELETE" and multipart_id:
        uploads.abort(upload_id, multipart_id)
        return Response(status=204)
    raise S3Error(400, "InvalidRequest", "This S3 request is not simulated.")


def _target_id(raw: str) -> str:
    try:
        return parse_guid(raw)
    except BadRequest as err:
        raise S3Error(404, "NoSuchBucket", "No upload has this target.") from err


def _part_number(raw: str | None) -> int:
    if raw is None or not raw.isascii() or not raw.isdigit():
        raise S3Error(400, "InvalidArgument", "partNumber must be a whole number.")
    return int(raw)


def _body_chunks() -> Iterator[bytes]:
    """The request body in chunks, never whole: a part can be 25 MB."""
    stream = request.stream
    while True:
        chunk = stream.read(READ_CHUNK_BYTES)
        if not chunk:
            return
        yield chunk


def _completed_parts(body: bytes) -> list[tuple[int, str]]:
    """(PartNumber, ETag) pairs of a ``CompleteMultipartUpload`` body, with or without
    the S3 namespace (boto3 sends it; Panopto's JavaScript sample does not)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as err:
        raise S3Error(400, "MalformedXML", "The XML is not well-formed.") from err

    parts = []
    for part in root.iter():
        if _local(part.tag) != "Part":
            continue
        fields = {_local(child.tag): (child.text or "").strip() for child in part}
        number = fields.get("PartNumber", "")
        if not number.isdigit() or not fields.get("ETag"):
            raise S3Error(400, "MalformedXML", "Each Part needs PartNumber and ETag.")
        parts.append((int(number), fields["ETag"]))
    return parts


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml(root: str, **fields: str) -> Response:
    inner = "".join(
        f"<{name}>{escape(value)}</{name}>" for name, value in fields.items()
    )
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<{root} xmlns="{S3_NAMESPACE}">{inner}</{root}>'
    )
    return Response(body, mimetype="application/xml")
