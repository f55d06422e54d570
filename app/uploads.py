"""Uploading a video from the chooser to Panopto, part by part, without holding the file.

The browser slices the file and sends one part per request. Each part is streamed on to
Panopto's S3 upload target as it arrives (see :mod:`app.panopto.upload`), and only its
ETag is kept, in the ``upload_parts`` table. So the tool's memory stays flat whatever the
file size, a failed part is simply sent again, any worker can take the next part, and an
upload interrupted by a closed tab can be resumed with the same file.

When every part is there we join them, send the manifest, tell Panopto the upload is
complete, and from then on ask Panopto how processing goes.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any, BinaryIO

from sqlalchemy import delete, select

from .errors import BadRequest, PanoptoNotFound, ToolError
from .extensions import db
from .models import Upload, UploadPart
from .panopto.client import PanoptoClient
from .panopto.oauth import UserKey
from .panopto.upload import (
    DEFAULT_PART_BYTES,
    MANIFEST_NAME,
    MAX_PART_BYTES,
    MAX_PARTS,
    SessionUpload,
    UploadState,
    UploadTarget,
    manifest_xml,
    part_count,
)

logger = logging.getLogger(__name__)

#: A sanity limit well above any lecture recording; S3 itself would take 250 GB.
MAX_UPLOAD_BYTES = 50 * 1000**3
MAX_TITLE_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 4000

#: What Panopto accepts as media (its upload page lists these among others).
MEDIA_EXTENSIONS = frozenset(
    {
        "mp4",
        "m4v",
        "mov",
        "webm",
        "mkv",
        "avi",
        "wmv",
        "mpg",
        "mpeg",
        "mp3",
        "m4a",
        "wav",
    }
)
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

#: How often, at most, a viewer or the chooser makes us ask Panopto about processing.
PROCESSING_CHECK_SECONDS = 3.0


class UploadConflict(ToolError):
    code = "upload_conflict"
    status = 409
    message = "This upload has already finished or been cancelled."


class UploadNotFound(ToolError):
    code = "upload_not_found"
    status = 404
    message = "That upload was not found. It may have been cancelled."


#: Our own states of an upload, as the chooser and the viewer see them.
UPLOADING = "uploading"
PROCESSING = "processing"
COMPLETE = "complete"
FAILED = "failed"
CANCELLED = "cancelled"


def start(
    client: PanoptoClient,
    owner: UserKey,
    *,
    folder_id: str,
    title: str,
    description: str | None,
    filename: str,
    size: int,
    content_type: str,
) -> Upload:
    """Create the Panopto upload and begin the multipart upload of the media file."""
    media_name = media_filename(filename)
    _check_size(size)

    panopto = client.uploads().create(folder_id)
    target = UploadTarget(panopto.upload_target)
    multipart_id = target.start(media_name)

    now = time.time()
    upload = Upload(
        id=str(uuid.uuid4()),
        issuer=owner.issuer,
        subject=owner.subject,
        folder_id=folder_id,
        title=title,
        description=description,
        filename=media_name,
        content_type=content_type[:100] or "application/octet-stream",
        size=size,
        part_size=part_size_for(size),
        panopto_upload_id=panopto.id,
        upload_target=panopto.upload_target,
        s3_upload_id=multipart_id,
        state=UPLOADING,
        created_at=now,
        updated_at=now,
    )
    db.session.add(upload)
    db.session.commit()
    logger.info(
        "Upload %s started (%d bytes in %d parts)", upload.id, size, count(upload)
    )
    return upload


def receive_part(upload: Upload, number: int, body: BinaryIO, length: int) -> None:
    """Stream one part to Panopto and remember its ETag (a resent part replaces it).

    :raises BadRequest: a part number or length that does not fit the file.
    """
    _check_uploading(upload)
    if not 1 <= number <= count(upload):
        raise BadRequest(f"This file has parts 1 to {count(upload)}.")
    if length != expected_length(upload, number):
        raise BadRequest(
            f"Part {number} must be {expected_length(upload, number)} bytes long."
        )

    etag = UploadTarget(upload.upload_target).send_part(
        upload.filename, upload.s3_upload_id, number, body, length
    )

    db.session.execute(
        delete(UploadPart).where(
            UploadPart.upload_id == upload.id, UploadPart.part_number == number
        )
    )
    db.session.add(
        UploadPart(upload_id=upload.id, part_number=number, etag=etag, size=length)
    )
    upload.updated_at = time.time()
    db.session.commit()


def finish(client: PanoptoClient, upload: Upload) -> Upload:
    """Join the parts, send the manifest and tell Panopto to process the video.

    :raises BadRequest: when parts are missing (the chooser then sends them).
    """
    _check_uploading(upload)
    missing = missing_parts(upload)
    if missing:
        raise BadRequest(f"{len(missing)} part(s) of the file have not arrived yet.")

    target = UploadTarget(upload.upload_target)
    parts = [(part.part_number, part.etag) for part in _parts(upload)]
    target.complete(upload.filename, upload.s3_upload_id, parts)
    manifest = manifest_xml(
        upload.title,
        upload.description,
        datetime.fromtimestamp(upload.created_at, UTC),
        upload.filename,
    )
    target.send_small_file(MANIFEST_NAME, manifest)

    sessions = client.uploads()
    sessions.finish(sessions.get(upload.panopto_upload_id))
    _mark(upload, PROCESSING)
    logger.info("Upload %s finished; Panopto is processing it", upload.id)
    return upload


def refresh(client: PanoptoClient, upload: Upload, force: bool = False) -> Upload:
    """Ask Panopto how processing goes, at most every few seconds."""
    if upload.state != PROCESSING:
        return upload
    if not force and upload.checked_at:
        if time.time() - upload.checked_at < PROCESSING_CHECK_SECONDS:
            return upload

    answer = client.uploads().get(upload.panopto_upload_id)
    apply_panopto_state(upload, answer)
    upload.checked_at = time.time()
    db.session.commit()
    return upload


def apply_panopto_state(upload: Upload, answer: SessionUpload) -> None:
    upload.session_id = answer.session_id or upload.session_id
    if answer.state == UploadState.COMPLETE:
        upload.state = COMPLETE
    elif answer.state in (UploadState.PROCESSING_ERROR, UploadState.DELETING_ERROR):
        upload.state = FAILED
        upload.message = answer.message or "Panopto could not process this video."
    elif answer.state in (UploadState.UPLOAD_CANCELLED, UploadState.DELETED):
        upload.state = CANCELLED
    upload.updated_at = time.time()


def cancel(client: PanoptoClient, upload: Upload) -> Upload:
    """Stop an upload: abort the multipart upload and cancel the Panopto upload."""
    if upload.state != UPLOADING:
        raise UploadConflict()
    try:
        UploadTarget(upload.upload_target).abort(upload.filename, upload.s3_upload_id)
    except PanoptoNotFound:
        logger.info("Upload %s had no multipart upload left to abort", upload.id)
    client.uploads().cancel(upload.panopto_upload_id)
    _mark(upload, CANCELLED)
    logger.info("Upload %s cancelled", upload.id)
    return upload


def owned(upload_id: str, owner: UserKey) -> Upload:
    """The upload with this id if it is ``owner``'s.

    :raises UploadNotFound: otherwise (someone else's upload is not found either).
    """
    upload = db.session.get(Upload, upload_id)
    if upload is None or (upload.issuer, upload.subject) != (
        owner.issuer,
        owner.subject,
    ):
        raise UploadNotFound()
    return upload


def unfinished(owner: UserKey) -> list[Upload]:
    """The owner's uploads still waiting for parts, newest first (to resume them)."""
    return list(
        db.session.execute(
            select(Upload)
            .where(
                Upload.issuer == owner.issuer,
                Upload.subject == owner.subject,
                Upload.state == UPLOADING,
            )
            .order_by(Upload.created_at.desc())
            .limit(10)
        ).scalars()
    )


def for_session(session_id: str) -> Upload | None:
    """The upload that made this Panopto session, if it went through the tool."""
    return db.session.execute(
        select(Upload)
        .where(Upload.session_id == session_id)
        .order_by(Upload.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def to_json(upload: Upload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "title": upload.title,
        "filename": upload.filename,
        "size": upload.size,
        "part_size": upload.part_size,
        "part_count": count(upload),
        "received_parts": [part.part_number for part in _parts(upload)],
        "state": upload.state,
        "session_id": upload.session_id,
        "message": upload.message,
        "folder_id": upload.folder_id,
    }


def part_size_for(size: int) -> int:
    """8 MiB parts, larger only when the file would need more than 10,000 of them."""
    needed = -(-size // MAX_PARTS)
    return min(MAX_PART_BYTES, max(DEFAULT_PART_BYTES, needed))


def count(upload: Upload) -> int:
    return part_count(upload.size, upload.part_size)


def expected_length(upload: Upload, number: int) -> int:
    if number < count(upload):
        return upload.part_size
    return upload.size - upload.part_size * (count(upload) - 1)


def missing_parts(upload: Upload) -> list[int]:
    have = {part.part_number for part in _parts(upload)}
    return [n for n in range(1, count(upload) + 1) if n not in have]


def media_filename(filename: str) -> str:
    """A safe object name for the media file, keeping its extension.

    :raises BadRequest: when the file does not look like audio or video.
    """
    base, _, extension = filename.rpartition(".")
    extension = extension.lower()
    if not base or extension not in MEDIA_EXTENSIONS:
        raise BadRequest(
            "Choose a video or audio file (for example .mp4, .mov or .webm)."
        )
    stem = SAFE_NAME.sub("-", base).strip("-.")[:80] or "video"
    return f"{stem}.{extension}"


def _check_size(size: int) -> None:
    if size <= 0:
        raise BadRequest("That file is empty.")
    if size > MAX_UPLOAD_BYTES:
        raise BadRequest("That file is larger than 50 GB; Panopto cannot take it.")


def _check_uploading(upload: Upload) -> None:
    if upload.state != UPLOADING:
        raise UploadConflict()


def _parts(upload: Upload) -> list[UploadPart]:
    return list(
        db.session.execute(
            select(UploadPart)
            .where(UploadPart.upload_id == upload.id)
            .order_by(UploadPart.part_number)
        ).scalars()
    )


def _mark(upload: Upload, state: str) -> None:
    upload.state = state
    upload.updated_at = time.time()
    db.session.commit()
