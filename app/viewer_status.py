"""Whether a placed video can be shown now: ready, still processing, failed, deleted, or
not for this viewer.

What the tool knows first: a session deleted through the chooser, and an upload made
through the chooser that Panopto is still processing (asked with the uploader's Panopto
sign-in, since most viewers never sign in to Panopto). When the viewer has signed in to
Panopto themselves, Panopto is asked directly, which also catches videos deleted or
locked elsewhere. Anything we cannot find out shows the player, and Panopto's own player
then says what it knows.
"""

from __future__ import annotations

import enum
import logging
import time

from cachetools import TTLCache
from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from . import services, uploads
from .errors import PanoptoError, PanoptoForbidden, PanoptoNotConnected, PanoptoNotFound
from .extensions import db
from .models import DeletedSession, Upload
from .panopto.oauth import UserKey
from .process_cache import ProcessCache

logger = logging.getLogger(__name__)

# Bandit B105 is a false positive here: a salt name, not a secret.
STATUS_TOKEN_SALT = "viewer-status"  # nosec B105
#: A viewer page keeps asking for this long; a video still processing after two hours
#: is stuck, and the page says to try again later.
STATUS_TOKEN_MAX_AGE_SECONDS = 2 * 60 * 60

#: Where each app keeps the sessions its process found "settled": neither deleted through
#: the chooser nor still being uploaded or processed. Every view asks; a settled session
#: stays so unless someone deletes it, so a process reuses the answer for a short time.
#: A deletion is seen at once by the process that made it and within this time by the
#: others (their viewers meanwhile get Panopto's own "not found" in the player).
SETTLED_CACHE_KEY = "settled_sessions"
SETTLED_CACHE_SECONDS = 30.0
SETTLED_CACHE_SIZE = 10_000


def init_app(app: Flask) -> None:
    app.extensions[SETTLED_CACHE_KEY] = ProcessCache[str, bool](
        TTLCache(maxsize=SETTLED_CACHE_SIZE, ttl=SETTLED_CACHE_SECONDS)
    )


class VideoState(enum.StrEnum):
    READY = "ready"
    PROCESSING = "processing"
    FAILED = "failed"
    DELETED = "deleted"
    FORBIDDEN = "forbidden"


def video_state(session_id: str, viewer: UserKey | None) -> VideoState:
    state = _recorded_state(session_id)
    if state is not None:
        return state

    if viewer is not None:
        return _state_for_viewer(session_id, viewer)
    return VideoState.READY


def record_deleted(session_id: str) -> None:
    db.session.merge(DeletedSession(session_id=session_id, deleted_at=time.time()))
    db.session.commit()
    _settled_sessions().discard(session_id)


def _recorded_state(session_id: str) -> VideoState | None:
    """What the tool's own records say against showing the player: deleted through the
    chooser, or uploaded through it and not ready; None when they say nothing."""
    settled = _settled_sessions()
    if settled.peek(session_id):
        return None

    if db.session.get(DeletedSession, session_id) is not None:
        return VideoState.DELETED
    upload = uploads.for_session(session_id)
    if upload is None or upload.state == uploads.COMPLETE:
        settled.put(session_id, True)
        return None
    return _upload_state(upload)


def _settled_sessions() -> ProcessCache[str, bool]:
    return current_app.extensions[SETTLED_CACHE_KEY]


def issue_status_token(secret_key: str, session_id: str, viewer: UserKey) -> str:
    """Lets the viewer page ask again later, without a new launch."""
    serializer = URLSafeTimedSerializer(secret_key, salt=STATUS_TOKEN_SALT)
    return serializer.dumps([session_id, viewer.issuer, viewer.subject])


def read_status_token(secret_key: str, token: str) -> tuple[str, UserKey] | None:
    serializer = URLSafeTimedSerializer(secret_key, salt=STATUS_TOKEN_SALT)
    try:
        session_id, issuer, subject = serializer.loads(
            token, max_age=STATUS_TOKEN_MAX_AGE_SECONDS
        )
    except (BadSignature, ValueError, TypeError):
        return None
    return str(session_id), UserKey(str(issuer), str(subject))


def _upload_state(upload: Upload) -> VideoState | None:
    if upload.state == uploads.PROCESSING:
        owner = UserKey(upload.issuer, upload.subject)
        try:
            uploads.refresh(services.panopto_oauth().client_for(owner), upload)
        except PanoptoError as err:
            logger.info(
                "Could not ask Panopto about upload %s: %s", upload.id, err.code
            )

    if upload.state == uploads.PROCESSING:
        return VideoState.PROCESSING
    if upload.state == uploads.FAILED:
        return VideoState.FAILED
    return None


def _state_for_viewer(session_id: str, viewer: UserKey) -> VideoState:
    # Most viewers (students) never sign in to Panopto: a hint in the shared store spares
    # the token table a query for each of their views.
    if not services.token_store().may_have_token(viewer):
        return VideoState.READY

    try:
        services.panopto_oauth().client_for(viewer).get_session(session_id)
    except PanoptoNotConnected:
        return VideoState.READY
    except PanoptoNotFound:
        return VideoState.DELETED
    except PanoptoForbidden:
        return VideoState.FORBIDDEN
    except PanoptoError as err:
        logger.info("Could not ask Panopto about a session: %s", err.code)
    return VideoState.READY
