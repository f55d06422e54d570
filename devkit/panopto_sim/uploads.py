"""Session uploads (API-NOTES section 6): the ``sessionUpload`` records, the S3-style
files under each ``UploadTarget``, the manifest and the processing timeline.

The simulator never keeps a media file: it counts the bytes and hashes them as they stream
in, so a benchmark can push a gigabyte through it. Only small files (the manifest) are kept
whole, to be parsed.

Processing runs on the clock instead of a timer thread: every read moves each finished
upload along its timeline (``UploadComplete`` → ``Processing`` → ``Complete``, or
``ProcessingError``), so the state a caller sees depends only on how long ago it finished.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import BadRequest, Forbidden, NotFound
from .models import Session
from .store import Store

UCS_NAMESPACE = "http://tempuri.org/UniversalCaptureSpecification/v1"

#: Files up to this size are kept whole (a manifest is a few hundred bytes).
KEEP_FILE_BYTES = 256 * 1024

#: S3's limits on multipart parts, which the simulator enforces like the real service.
MIN_PART_NUMBER = 1
MAX_PART_NUMBER = 10_000

#: A bit rate to make up a duration from a file's size, since nothing decodes the video
#: here [I]: 1 Mbit/s.
SIMULATED_BYTES_PER_SECOND = 125_000

#: Seconds between finishing an upload and Panopto starting to process it.
QUEUE_SECONDS = 0.5

READ_CHUNK_BYTES = 64 * 1024


class UploadState(enum.IntEnum):
    """``State`` of a sessionUpload (API-NOTES section 6)."""

    UPLOADING = 0
    UPLOAD_COMPLETE = 1
    UPLOAD_CANCELLED = 2
    PROCESSING = 3
    COMPLETE = 4
    PROCESSING_ERROR = 5
    DELETING_FILES = 6
    DELETED = 7
    DELETING_ERROR = 8


class S3Error(Exception):
    """An S3-style error, answered as ``<Error><Code/><Message/></Error>``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class StoredFile:
    """One file under an upload target: its size, its ETag and, when small, its bytes."""

    size: int
    etag: str
    content: bytes | None


@dataclass
class MultipartUpload:
    upload_id: str
    filename: str
    #: part number -> (size, md5 hex)
    parts: dict[int, tuple[int, str]] = field(default_factory=dict)
    #: the first bytes of part 1, kept while small, for files that are small as a whole
    first_part: bytes | None = None


@dataclass
class SessionUpload:
    id: str
    folder_id: str
    user_id: str
    state: UploadState = UploadState.UPLOADING
    session_id: str | None = None
    message: str | None = None
    message_id: int | None = None
    files: dict[str, StoredFile] = field(default_factory=dict)
    multiparts: dict[str, MultipartUpload] = field(default_factory=dict)
    finished_at: float | None = None
    #: What processing will make of it, decided when the upload is finished.
    outcome: Manifest | str | None = None


@dataclass(frozen=True)
class Manifest:
    title: str
    description: str | None
    date: datetime | None
    video_files: tuple[str, ...]


class UploadStore:
    """Every sessionUpload of the simulator, guarded by one lock."""

    def __init__(
        self,
        store: Store,
        processing_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._lock = threading.RLock()
        self._clock = clock
        self.processing_seconds = processing_seconds
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.uploads: dict[str, SessionUpload] = {}
            self.failing_parts = 0
            self.failing_processing = 0
            self.processing_held = False

    # -- test and demo switches --------------------------------------------------------

    def fail_next_parts(self, count: int) -> None:
        """The next ``count`` part uploads answer 500, as a dropped connection would."""
        with self._lock:
            self.failing_parts = count

    def fail_next_processing(self, count: int) -> None:
        """The next ``count`` finished uploads end in ProcessingError (a corrupt video)."""
        with self._lock:
            self.failing_processing = count

    def hold_processing(self, held: bool) -> None:
        """While held, uploads that reached processing stay there: a test can look at the
        "still processing" state for as long as it needs, then release it."""
        with self._lock:
            self.processing_held = held

    # -- sessionUpload -----------------------------------------------------------------

    def create(self, user_id: str, folder_id: str) -> SessionUpload:
        """
        :raises NotFound: the folder does not exist.
        :raises Forbidden: the user may not create sessions there.
        """
        folder = self._store.folders.get(folder_id)
        if folder is None:
            raise NotFound("The folder was not found.", source="FolderId")
        if not self._store.can_create(user_id, folder):
            raise Forbidden("Creator access to the folder is needed.")

        upload = SessionUpload(
            id=str(uuid.uuid4()), folder_id=folder_id, user_id=user_id
        )
        with self._lock:
            self.uploads[upload.id] = upload
        return upload

    def get(self, user_id: str, upload_id: str) -> SessionUpload:
        """The upload, moved along its timeline.

        :raises NotFound: no such upload, or it is someone else's.
        """
        with self._lock:
            upload = self.uploads.get(upload_id)
            if upload is None or upload.user_id != user_id:
                raise NotFound("The session upload was not found.", source=upload_id)
            self._advance(upload)
            return upload

    def finish(self, user_id: str, upload_id: str) -> SessionUpload:
        """``State: 1``: the files are all there; processing may begin."""
        with self._lock:
            upload = self.get(user_id, upload_id)
            if upload.state is not UploadState.UPLOADING:
                raise BadRequest("The upload is not in the Uploading state.", "State")
            upload.state = UploadState.UPLOAD_COMPLETE
            upload.finished_at = self._clock()
            upload.outcome = self._judge(upload)
            return upload

    def cancel(self, user_id: str, upload_id: str) -> SessionUpload:
        with self._lock:
            upload = self.get(user_id, upload_id)
            if upload.state in (UploadState.UPLOADING, UploadState.UPLOAD_COMPLETE):
                upload.state = UploadState.UPLOAD_CANCELLED
                upload.files.clear()
                upload.multiparts.clear()
            return upload

    def advance_all(self) -> None:
        """Move every upload along its timeline (called before REST reads)."""
        with self._lock:
            for upload in self.uploads.values():
                self._advance(upload)

    def _judge(self, upload: SessionUpload) -> Manifest | str:
        """What processing will make of the files: a manifest, or the reason it fails."""
        if self.failing_processing > 0:
            self.failing_processing -= 1
            return "The video file is corrupt and could not be processed."

        manifests = [f for name, f in upload.files.items() if name.endswith(".xml")]
        if len(manifests) != 1 or manifests[0].content is None:
            return "The upload has no manifest file (or more than one)."
        try:
            manifest = parse_manifest(manifests[0].content)
        except ValueError as err:
            return f"The manifest is not valid: {err}"

        for name in manifest.video_files:
            stored = upload.files.get(name)
            if stored is None:
                return f"The manifest names {name}, which was not uploaded."
            if stored.size == 0:
                return f"The file {name} is empty."
        return manifest

    def _advance(self, upload: SessionUpload) -> None:
        if upload.finished_at is None or upload.state in TERMINAL_STATES:
            return
        elapsed = self._clock() - upload.finished_at

        if elapsed >= QUEUE_SECONDS and upload.state is UploadState.UPLOAD_COMPLETE:
            upload.state = UploadState.PROCESSING
            if isinstance(upload.outcome, Manifest):
                upload.session_id = self._create_session(upload, upload.outcome).id

        done = elapsed >= QUEUE_SECONDS + self.processing_seconds
        if done and not self.processing_held:
            if isinstance(upload.outcome, Manifest):
                upload.state = UploadState.COMPLETE
                self._finish_session(upload)
            else:
                upload.state = UploadState.PROCESSING_ERROR
                upload.message = upload.outcome
                upload.message_id = 1

    def _create_session(self, upload: SessionUpload, manifest: Manifest) -> Session:
        now = datetime.now(UTC).replace(microsecond=0)
        session = Session(
            id=str(uuid.uuid4()),
            name=manifest.title,
            description=manifest.description,
            folder_id=upload.folder_id,
            start_time=manifest.date or now,
            duration=None,
            created_at=now,
            created_by_id=upload.user_id,
            processing=True,
        )
        with self._store.locked():
            self._store.sessions[session.id] = session
        return session

    def _finish_session(self, upload: SessionUpload) -> None:
        session = self._store.sessions.get(upload.session_id or "")
        if session is None:  # deleted while it was processing
            return
        size = sum(upload.files[name].size for name in _manifest_files(upload))
        session.duration = round(max(1.0, size / SIMULATED_BYTES_PER_SECOND), 1)
        session.processing = False

    # -- S3 multipart ------------------------------------------------------------------

    def target(self, upload_id: str) -> SessionUpload:
        """The upload a target path names; S3 credentials are not checked (API-NOTES 6).

        :raises S3Error: no such upload, or it no longer takes files.
        """
        with self._lock:
            upload = self.uploads.get(upload_id)
        if upload is None:
            raise S3Error(404, "NoSuchBucket", "No upload has this target.")
        if upload.state is not UploadState.UPLOADING:
            raise S3Error(403, "AccessDenied", "This upload no longer takes files.")
        return upload

    def initiate(self, upload_id: str, filename: str) -> MultipartUpload:
        upload = self.target(upload_id)
        multipart = MultipartUpload(secrets.token_urlsafe(24), filename)
        with self._lock:
            upload.multiparts[multipart.upload_id] = multipart
        return multipart

    def put_part(
        self,
        upload_id: str,
        multipart_id: str,
        part_number: int,
        chunks: Iterable[bytes],
    ) -> str:
        """Read one part as it streams in; return its ETag.

        :raises S3Error: unknown multipart upload, bad part number or an injected failure.
        """
        multipart = self._multipart(upload_id, multipart_id)
        if not MIN_PART_NUMBER <= part_number <= MAX_PART_NUMBER:
            raise S3Error(400, "InvalidArgument", "Part number must be 1 to 10000.")
        with self._lock:
            if self.failing_parts > 0:
                self.failing_parts -= 1
                raise S3Error(500, "InternalError", "We encountered an internal error.")

        size, digest, head = _consume(chunks)
        with self._lock:
            multipart.parts[part_number] = (size, digest)
            if part_number == 1:
                multipart.first_part = head
        return f'"{digest}"'

    def complete(
        self, upload_id: str, multipart_id: str, parts: list[tuple[int, str]]
    ) -> str:
        """Join the named parts into the file; return the file's ETag.

        :raises S3Error: a part missing, with a wrong ETag, or out of order.
        """
        upload = self.target(upload_id)
        multipart = self._multipart(upload_id, multipart_id)
        numbers = [number for number, _ in parts]
        if not parts or numbers != sorted(set(numbers)):
            raise S3Error(400, "InvalidPartOrder", "Parts must be listed in order.")

        total = 0
        digests = []
        for number, etag in parts:
            held = multipart.parts.get(number)
            if held is None or held[1] != etag.strip('"'):
                raise S3Error(400, "InvalidPart", f"Part {number} was not uploaded.")
            total += held[0]
            digests.append(bytes.fromhex(held[1]))

        # S3's multipart ETag: the MD5 of the parts' MD5s, then "-" and the part count.
        etag = f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(parts)}"'
        content = multipart.first_part if len(parts) == 1 else None
        with self._lock:
            upload.files[multipart.filename] = StoredFile(total, etag, content)
            del upload.multiparts[multipart_id]
        return etag

    def abort(self, upload_id: str, multipart_id: str) -> None:
        upload = self.target(upload_id)
        self._multipart(upload_id, multipart_id)
        with self._lock:
            del upload.multiparts[multipart_id]

    def put_object(self, upload_id: str, filename: str, chunks: Iterable[bytes]) -> str:
        """A whole file in one plain PUT (one client sends the manifest so)."""
        upload = self.target(upload_id)
        size, digest, head = _consume(chunks)
        with self._lock:
            upload.files[filename] = StoredFile(size, f'"{digest}"', head)
        return f'"{digest}"'

    def _multipart(self, upload_id: str, multipart_id: str) -> MultipartUpload:
        upload = self.target(upload_id)
        multipart = upload.multiparts.get(multipart_id)
        if multipart is None:
            raise S3Error(404, "NoSuchUpload", "The multipart upload does not exist.")
        return multipart


TERMINAL_STATES = frozenset(
    {
        UploadState.UPLOAD_CANCELLED,
        UploadState.COMPLETE,
        UploadState.PROCESSING_ERROR,
        UploadState.DELETED,
        UploadState.DELETING_ERROR,
    }
)


def _consume(chunks: Iterable[bytes]) -> tuple[int, str, bytes | None]:
    """Size, MD5 and (when small) the bytes of a body, read chunk by chunk."""
    size = 0
    digest = hashlib.md5()
    head = bytearray()
    for chunk in chunks:
        size += len(chunk)
        digest.update(chunk)
        if len(head) <= KEEP_FILE_BYTES:
            head.extend(chunk)
    kept = bytes(head) if size <= KEEP_FILE_BYTES else None
    return size, digest.hexdigest(), kept


def _manifest_files(upload: SessionUpload) -> list[str]:
    outcome = upload.outcome
    return list(outcome.video_files) if isinstance(outcome, Manifest) else []


def parse_manifest(content: bytes) -> Manifest:
    """Read the parts of a Universal Capture Specification manifest the simulator uses.

    :raises ValueError: when it is not XML, not a UCS ``Session`` or names no video.
    """
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as err:
        raise ValueError("it is not well-formed XML") from err

    ns = {"ucs": UCS_NAMESPACE}
    if root.tag != f"{{{UCS_NAMESPACE}}}Session":
        raise ValueError("the root element must be a UCS Session")

    title = (root.findtext("ucs:Title", default="", namespaces=ns) or "").strip()
    files = tuple(
        (video.findtext("ucs:File", default="", namespaces=ns) or "").strip()
        for video in root.findall("ucs:Videos/ucs:Video", ns)
    )
    if not files or not all(files):
        raise ValueError("it names no video file")

    return Manifest(
        title=title or files[0],
        description=root.findtext("ucs:Description", namespaces=ns),
        date=_manifest_date(root.findtext("ucs:Date", namespaces=ns)),
        video_files=files,
    )


def _manifest_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
