"""Panopto's session upload flow (API notes §6), in two halves.

:class:`SessionUploads` talks to ``/Panopto/PublicAPI/REST/sessionUpload``: create an
upload in a folder, finish it (``State: 1``), poll it, cancel it. :class:`UploadTarget`
sends files to the ``UploadTarget`` the upload names, which speaks the S3 multipart
protocol, through boto3.

Nothing here holds a file: each part is passed to boto3 as the stream it arrives on.
"""

from __future__ import annotations

import enum
import functools
import io
import logging

# Bandit B405 does not apply: the tool only writes the manifest, it never parses XML.
import xml.etree.ElementTree as ElementTree  # nosec B405
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
import requests
from authlib.integrations.base_client.errors import OAuthError
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
)

from ..errors import (
    PanoptoError,
    PanoptoForbidden,
    PanoptoNotConnected,
    PanoptoNotFound,
)

logger = logging.getLogger(__name__)

PUBLIC_API_PREFIX = "/Panopto/PublicAPI/REST"

#: Panopto's upload server takes parts of 5 MiB to about 25 MB; bigger ones can fail.
MIN_PART_BYTES = 5 * 1024 * 1024
MAX_PART_BYTES = 25 * 1000 * 1000
DEFAULT_PART_BYTES = 8 * 1024 * 1024
#: S3 numbers parts 1 to 10,000; with 25 MB parts that allows files of 250 GB.
MAX_PARTS = 10_000

UCS_NAMESPACE = "http://tempuri.org/UniversalCaptureSpecification/v1"
MANIFEST_NAME = "manifest.xml"

#: boto3 settings for Panopto's upload target:
#: - signature "s3" (SigV2), as Panopto's own upload sample settled on in July 2025. It
#:   also signs no payload hash, so a part can stream straight from the browser's request;
#:   SigV4 over plain http would need to read (and rewind) the whole part first.
#: - path-style addresses: the bucket ``Upload`` is a path segment on Panopto's host.
#: - checksums only where required: the newer default adds CRC32 headers or aws-chunked
#:   bodies that Panopto's server does not document.
#: - no retries inside boto3: a stream cannot be replayed; the browser resends the part.
S3_CONFIG = Config(
    signature_version="s3",
    s3={"addressing_style": "path"},
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=120,
)


class UploadState(enum.IntEnum):
    """``State`` of a sessionUpload."""

    UPLOADING = 0
    UPLOAD_COMPLETE = 1
    UPLOAD_CANCELLED = 2
    PROCESSING = 3
    COMPLETE = 4
    PROCESSING_ERROR = 5
    DELETING_FILES = 6
    DELETED = 7
    DELETING_ERROR = 8


@dataclass(frozen=True)
class SessionUpload:
    """A sessionUpload as Panopto returned it (note: ``ID``, not ``Id``)."""

    id: str
    folder_id: str | None
    upload_target: str
    state: int
    session_id: str | None = None
    message: str | None = None
    raw: dict[str, Any] | None = None


def parse_session_upload(data: Any) -> SessionUpload:
    """
    :raises PanoptoError: when the answer lacks the ``ID`` or ``UploadTarget``.
    """
    if not isinstance(data, dict) or not data.get("ID"):
        logger.warning("Panopto's sessionUpload answer has no ID")
        raise PanoptoError()
    state = data.get("State")
    return SessionUpload(
        id=str(data["ID"]),
        folder_id=data.get("FolderId"),
        upload_target=str(data.get("UploadTarget") or ""),
        state=state if isinstance(state, int) else UploadState.UPLOADING,
        session_id=data.get("SessionId") or None,
        message=data.get("Message") if isinstance(data.get("Message"), str) else None,
        raw=data,
    )


class SessionUploads:
    """``/Panopto/PublicAPI/REST/sessionUpload`` as one user.

    This API family answers a stale token with 403 rather than 401 (API notes §10), so
    either one gets one token refresh and one retry.
    """

    def __init__(
        self, base_url: str, http: requests.Session, refresh: Callable[[], None]
    ) -> None:
        self._url = base_url + PUBLIC_API_PREFIX + "/sessionUpload"
        self._http = http
        self._refresh = refresh

    def create(self, folder_id: str) -> SessionUpload:
        upload = parse_session_upload(
            self._call("POST", self._url, json={"FolderId": folder_id})
        )
        if not upload.upload_target:
            logger.warning("Panopto's new sessionUpload has no UploadTarget")
            raise PanoptoError()
        return upload

    def get(self, upload_id: str) -> SessionUpload:
        return parse_session_upload(self._call("GET", f"{self._url}/{upload_id}"))

    def finish(self, upload: SessionUpload) -> SessionUpload:
        """Say every file is there: the whole object goes back with ``State: 1``."""
        body = dict(upload.raw or {"ID": upload.id, "FolderId": upload.folder_id})
        body["State"] = int(UploadState.UPLOAD_COMPLETE)
        return parse_session_upload(
            self._call("PUT", f"{self._url}/{upload.id}", json=body)
        )

    def cancel(self, upload_id: str) -> None:
        self._call("DELETE", f"{self._url}/{upload_id}")

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        refreshed = False
        while True:
            try:
                response = self._http.request(method, url, **kwargs)
            except OAuthError as err:
                raise PanoptoNotConnected() from err
            except requests.RequestException as err:
                logger.warning(
                    "Panopto sessionUpload %s failed: %s", method, type(err).__name__
                )
                raise PanoptoError() from err

            if response.status_code in (401, 403) and not refreshed:
                self._refresh()
                refreshed = True
                continue
            return _checked_json(method, response)


def _checked_json(method: str, response: Any) -> Any:
    status = response.status_code
    if status >= 400:
        logger.warning("Panopto answered sessionUpload %s with HTTP %s", method, status)
        if status == 403:
            raise PanoptoForbidden("Panopto does not let you upload into that folder.")
        if status == 404:
            raise PanoptoNotFound("Panopto no longer knows this upload.")
        raise PanoptoError()
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as err:
        raise PanoptoError() from err


class UploadTarget:
    """The S3-compatible store behind one sessionUpload's ``UploadTarget``.

    ``https://site/Panopto/Upload/{guid}`` means: endpoint ``https://site/Panopto``,
    bucket ``Upload``, and every file's key starts with ``{guid}/``.
    """

    def __init__(self, upload_target: str) -> None:
        parts = urlsplit(upload_target)
        segments = [segment for segment in parts.path.split("/") if segment]
        if parts.scheme not in ("http", "https") or len(segments) < 2:
            logger.warning("Panopto gave an UploadTarget that is not an S3 path")
            raise PanoptoError()
        self.endpoint = f"{parts.scheme}://{parts.netloc}/" + "/".join(segments[:-2])
        self.bucket = segments[-2]
        self.prefix = segments[-1]
        self._s3 = _s3_client(self.endpoint.rstrip("/"))

    def key(self, filename: str) -> str:
        return f"{self.prefix}/{filename}"

    def start(self, filename: str) -> str:
        """Initiate a multipart upload of ``filename``; return its S3 upload id."""
        answer = self._s3_call(
            "create_multipart_upload", Bucket=self.bucket, Key=self.key(filename)
        )
        return str(answer["UploadId"])

    def send_part(
        self,
        filename: str,
        multipart_id: str,
        number: int,
        body: BinaryIO,
        length: int,
    ) -> str:
        """Stream one part (read from ``body`` as it is sent); return its ETag.

        boto3 cannot retry a stream, so we do, once, in the one case where that is safe:
        the connection failed before a byte of the part was read, as happens when a
        pooled keep-alive connection was closed by the server meanwhile.
        """
        reader = _CountingReader(body)
        for attempt in (1, 2):
            try:
                answer = self._s3_call(
                    "upload_part",
                    Bucket=self.bucket,
                    Key=self.key(filename),
                    UploadId=multipart_id,
                    PartNumber=number,
                    Body=reader,
                    ContentLength=length,
                )
                return str(answer["ETag"])
            except PanoptoError:
                if attempt == 2 or reader.consumed or not reader.connection_failed:
                    raise
                logger.info("Sending part %d again on a fresh connection", number)
        raise AssertionError("unreachable")

    def complete(
        self, filename: str, multipart_id: str, parts: list[tuple[int, str]]
    ) -> None:
        self._s3_call(
            "complete_multipart_upload",
            Bucket=self.bucket,
            Key=self.key(filename),
            UploadId=multipart_id,
            MultipartUpload={
                "Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]
            },
        )

    def abort(self, filename: str, multipart_id: str) -> None:
        self._s3_call(
            "abort_multipart_upload",
            Bucket=self.bucket,
            Key=self.key(filename),
            UploadId=multipart_id,
        )

    def send_small_file(self, filename: str, content: bytes) -> None:
        """A small file (the manifest) as a one-part multipart upload, as Panopto's
        sample sends every file."""
        multipart_id = self.start(filename)
        etag = self.send_part(
            filename, multipart_id, 1, io.BytesIO(content), len(content)
        )
        self.complete(filename, multipart_id, [(1, etag)])

    def _s3_call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._s3, operation)(**kwargs)
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            logger.warning("Panopto's upload target refused %s: %s", operation, code)
            if code in ("NoSuchUpload", "NoSuchBucket", "AccessDenied"):
                raise PanoptoNotFound(
                    "Panopto no longer accepts files for this upload. Start it again."
                ) from err
            raise PanoptoError() from err
        except BotoCoreError as err:
            logger.warning(
                "Panopto's upload target failed on %s: %s",
                operation,
                type(err).__name__,
            )
            body = kwargs.get("Body")
            if isinstance(body, _CountingReader) and isinstance(
                err, ConnectionClosedError | EndpointConnectionError
            ):
                body.connection_failed = True
            raise PanoptoError() from err


class _CountingReader:
    """A part's body that remembers whether anything was read from it yet."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.consumed = 0
        self.connection_failed = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.consumed += len(chunk)
        return chunk


@functools.lru_cache(maxsize=16)
def _s3_client(endpoint: str) -> Any:
    # Panopto ignores S3 credentials (API notes §6), but botocore signs every request,
    # so it needs some. These are placeholders, not secrets (hence the Bandit B106 note).
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="panopto",
        aws_secret_access_key="not-checked-by-panopto",  # nosec B106
        region_name="us-east-1",
        config=S3_CONFIG,
    )


def manifest_xml(
    title: str, description: str | None, date: datetime, video_filename: str
) -> bytes:
    """A Universal Capture Specification manifest naming one primary video."""
    ElementTree.register_namespace("", UCS_NAMESPACE)

    def child(parent: ElementTree.Element, tag: str, text: str | None = None):
        element = ElementTree.SubElement(parent, f"{{{UCS_NAMESPACE}}}{tag}")
        if text is not None:
            element.text = text
        return element

    root = ElementTree.Element(f"{{{UCS_NAMESPACE}}}Session")
    child(root, "Title", title)
    child(root, "Description", description or "")
    child(root, "Date", date.isoformat())
    video = child(child(root, "Videos"), "Video")
    child(video, "Start", "PT0S")
    child(video, "File", video_filename)
    child(video, "Type", "Primary")
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def part_count(size: int, part_size: int) -> int:
    return max(1, -(-size // part_size))
