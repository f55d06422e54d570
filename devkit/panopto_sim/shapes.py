"""Turn the simulator's records into the swagger's JSON shapes.

Field names and types follow ``panopto-public-api.swagger.json``. Fields a route
does not fill are sent as null, as Panopto's .NET serializer does, rather than left
out (API-NOTES section 4: "real responses are null-heavy").
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from . import urls
from .errors import ApiError
from .models import AccessLevel, Folder, Session
from .store import Store


class SessionView(enum.Enum):
    """Which fields a route returns (swagger notes on each list route)."""

    FULL = "full"
    #: /folders/{id}/sessions(/search): no CreatedBy, only Urls.ViewerUrl
    FOLDER_LIST = "folder_list"
    #: /sessions/search and similar: no CreatedBy, only ViewerUrl and ThumbnailUrl
    SEARCH_LIST = "search_list"


SESSION_URL_FIELDS = (
    "ViewerUrl",
    "EmbedUrl",
    "ShareSettingsUrl",
    "DownloadUrl",
    "AudioDescriptionDownloadUrl",
    "CaptionDownloadUrl",
    "EditorUrl",
    "ThumbnailUrl",
)

KEPT_URLS = {
    SessionView.FULL: frozenset(SESSION_URL_FIELDS),
    SessionView.FOLDER_LIST: frozenset({"ViewerUrl"}),
    SessionView.SEARCH_LIST: frozenset({"ViewerUrl", "ThumbnailUrl"}),
}


def utc_timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as Panopto sends it (API-NOTES section 2)."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def api_error(error: ApiError) -> dict[str, Any]:
    """The swagger's ``APIError`` body."""
    return {
        "Error": {
            "ErrorCode": error.code,
            "Message": error.message,
            "Success": False,
            "ErrorSource": error.source,
        }
    }


def access_settings(level: AccessLevel, inherited: bool) -> dict[str, Any]:
    return {"IsInherited": inherited, "Level": level.value}


class Shapes:
    """Builds JSON for one caller: URLs on the simulator's base and the caller's
    own progress and permissions."""

    def __init__(self, store: Store, base_url: str, user_id: str) -> None:
        self.store = store
        self.base_url = base_url
        self.user_id = user_id

    def folder(self, folder: Folder) -> dict[str, Any]:
        parent = self.store.folders.get(folder.parent_id) if folder.parent_id else None
        may_share = self.store.can_create(self.user_id, folder)
        return {
            "Id": folder.id,
            "Name": folder.name,
            "Description": folder.description,
            "ParentFolder": {"Id": parent.id, "Name": parent.name} if parent else None,
            "Urls": {
                "FolderUrl": urls.folder_page(self.base_url, folder.id),
                "EmbedUrl": urls.folder_embed(self.base_url, folder.id),
                # Blank without permission (swagger FolderUrls).
                "ShareSettingsUrl": (
                    urls.share_folder(self.base_url, folder.id) if may_share else None
                ),
            },
        }

    def session(
        self,
        session: Session,
        view: SessionView = SessionView.FULL,
        context: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        folder = self.store.folders[session.folder_id]
        progress = self.store.view_of(self.user_id, session.id)
        return {
            "Id": session.id,
            "Name": session.name,
            "Description": session.description,
            "StartTime": utc_timestamp(session.start_time),
            "Duration": session.duration,
            "MostRecentViewPosition": progress.position_seconds if progress else None,
            "CreatedBy": self._creator(session) if view is SessionView.FULL else None,
            "Urls": self._session_urls(session, KEPT_URLS[view]),
            "Folder": folder.id,
            "FolderDetails": {"Id": folder.id, "Name": folder.name},
            "Context": context,
            "PercentCompleted": progress.percent_completed if progress else 0,
        }

    def search_context(self, session: Session, text: str) -> list[dict[str, Any]]:
        """``Context`` of a search hit (``includeFields=Context``): where it matched."""
        return [
            {
                "Text": text,
                "Time": 0.0,
                "ThumbnailUrl": urls.thumbnail(self.base_url, session.id),
            }
        ]

    def _creator(self, session: Session) -> dict[str, Any]:
        creator = self.store.user(session.created_by_id)
        return {
            "Id": session.created_by_id,
            "Username": creator.username if creator else None,
        }

    def _session_urls(self, session: Session, kept: frozenset[str]) -> dict[str, Any]:
        base, sid = self.base_url, session.id
        may_edit = self.store.can_edit_session(self.user_id, session)
        every = {
            "ViewerUrl": urls.viewer(base, sid),
            "EmbedUrl": urls.embed(base, sid),
            "ShareSettingsUrl": urls.share_session(base, sid) if may_edit else None,
            "DownloadUrl": urls.download(base, sid),
            "AudioDescriptionDownloadUrl": None,
            "CaptionDownloadUrl": urls.captions(base, sid)
            if session.captioned
            else None,
            "EditorUrl": urls.editor(base, sid) if may_edit else None,
            "ThumbnailUrl": urls.thumbnail(base, sid),
        }
        return {
            name: (every[name] if name in kept else None) for name in SESSION_URL_FIELDS
        }
