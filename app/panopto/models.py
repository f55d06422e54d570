"""Typed results of the Panopto client, parsed from REST v1 JSON.

Panopto's responses are null-heavy (API notes §4): every field but the id may be missing or
null, so each parser falls back to a safe default instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urljoin, urlsplit

T = TypeVar("T")

#: Panopto's stand-in id for "the top of the folder tree" (REST v1 /folders/{id}/children).
TOP_FOLDER_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Folder:
    id: str
    name: str
    parent_id: str | None = None
    parent_name: str | None = None


@dataclass(frozen=True)
class Session:
    """A Panopto session (a video), as much of it as the listing returned."""

    id: str
    name: str
    description: str | None = None
    folder_id: str | None = None
    folder_name: str | None = None
    start_time: datetime | None = None
    duration_seconds: float | None = None
    viewer_url: str | None = None
    embed_url: str | None = None
    thumbnail_url: str | None = None
    #: Panopto's editor; given only to people who may edit the session (creators).
    editor_url: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing. Panopto gives no totals: an empty page means the end."""

    items: list[T]
    page_number: int

    @property
    def is_empty(self) -> bool:
        return not self.items


def parse_folder(data: dict[str, Any]) -> Folder:
    parent = data.get("ParentFolder") or {}
    return Folder(
        id=str(data["Id"]),
        name=data.get("Name") or "Untitled folder",
        parent_id=parent.get("Id"),
        parent_name=parent.get("Name"),
    )


def parse_session(data: dict[str, Any], base_url: str) -> Session:
    urls = data.get("Urls") or {}
    folder = data.get("FolderDetails") or {}
    return Session(
        id=str(data["Id"]),
        name=data.get("Name") or "Untitled video",
        description=data.get("Description"),
        folder_id=data.get("Folder") or folder.get("Id"),
        folder_name=folder.get("Name"),
        start_time=_parse_time(data.get("StartTime")),
        duration_seconds=data.get("Duration"),
        viewer_url=web_url(urls.get("ViewerUrl"), base_url),
        embed_url=web_url(urls.get("EmbedUrl"), base_url),
        thumbnail_url=web_url(urls.get("ThumbnailUrl"), base_url),
        editor_url=web_url(urls.get("EditorUrl"), base_url),
    )


def web_url(value: str | None, base_url: str) -> str | None:
    """An absolute http(s) URL, or None.

    Panopto may answer site-relative paths; anything that is not http(s) after joining
    (``javascript:``, ``data:``) is dropped so it can never reach a page as a link.
    """
    if not value or not isinstance(value, str):
        return None
    absolute = urljoin(base_url + "/", value)
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
