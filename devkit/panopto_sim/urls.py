"""Absolute URLs that responses carry, in the formats seen on real sites.

API-NOTES section 4 lists the formats; where a format is unknown the simulator
picks one. Pages the simulator does not serve answer with a plain 404 page.
"""

from __future__ import annotations

from urllib.parse import urlencode

VIEWER_PATH = "/Panopto/Pages/Viewer.aspx"
EMBED_PATH = "/Panopto/Pages/Embed.aspx"
THUMBNAIL_PATH = "/Panopto/Services/FrameGrabber.svc/FrameRedirect"
CAPTIONS_PATH = "/Panopto/Pages/Transcription/GenerateSRT.ashx"
FOLDER_LIST_PATH = "/Panopto/Pages/Sessions/List.aspx"
# Not served by the simulator (format not confirmed either):
FOLDER_EMBED_PATH = "/Panopto/Pages/EmbeddedList.aspx"
EDITOR_PATH = "/Panopto/Pages/Editor/Editor.aspx"
SHARE_PATH = "/Panopto/Pages/Sessions/Share.aspx"
DOWNLOAD_PATH = "/Panopto/Podcast/Download"

CAPTION_LANGUAGE = "English_AUS"
"""Seeded captions are all in one language (swagger ``ContentLanguage``)."""


def _url(base_url: str, path: str, **query: str) -> str:
    return f"{base_url}{path}?{urlencode(query)}"


def viewer(base_url: str, session_id: str) -> str:
    return _url(base_url, VIEWER_PATH, id=session_id)


def embed(base_url: str, session_id: str) -> str:
    return _url(base_url, EMBED_PATH, id=session_id)


def thumbnail(base_url: str, session_id: str) -> str:
    return _url(base_url, THUMBNAIL_PATH, objectId=session_id, mode="Delivery")


def captions(base_url: str, session_id: str) -> str:
    return _url(base_url, CAPTIONS_PATH, id=session_id, language=CAPTION_LANGUAGE)


def editor(base_url: str, session_id: str) -> str:
    return _url(base_url, EDITOR_PATH, id=session_id)


def share_session(base_url: str, session_id: str) -> str:
    return _url(base_url, SHARE_PATH, id=session_id)


def download(base_url: str, session_id: str) -> str:
    return f"{base_url}{DOWNLOAD_PATH}/{session_id}.mp4?mediaTargetType=videoPodcast"


def folder_page(base_url: str, folder_id: str) -> str:
    return f"{base_url}{FOLDER_LIST_PATH}#folderID={folder_id}"


def folder_embed(base_url: str, folder_id: str) -> str:
    return _url(base_url, FOLDER_EMBED_PATH, folderID=folder_id)


def share_folder(base_url: str, folder_id: str) -> str:
    return _url(base_url, SHARE_PATH, folderID=folder_id)
