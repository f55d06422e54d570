"""Panopto player and viewer URLs (API notes §5).

Built from the configured site root only, never from anything a request carries, so a crafted
launch cannot point the player at another host.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

#: The share dialog's defaults, with branding off: the LMS page already says where we are.
DEFAULT_PLAYER_FLAGS = {
    "autoplay": "false",
    "offerviewer": "true",
    "showtitle": "true",
    "showbrand": "false",
    "captions": "false",
    "interactivity": "all",
}


def is_guid(value: object) -> bool:
    # fullmatch, not match: with match, `$` also accepts a GUID followed by a newline.
    return isinstance(value, str) and bool(GUID.fullmatch(value))


def embed_url(
    base_url: str, session_id: str, flags: Mapping[str, str] | None = None
) -> str:
    """The embedded player, with the share dialog's defaults overridden by ``flags``."""
    query = urlencode({"id": session_id, **DEFAULT_PLAYER_FLAGS, **(flags or {})})
    return f"{base_url}/Panopto/Pages/Embed.aspx?{query}"


def viewer_url(base_url: str, session_id: str, start_seconds: int = 0) -> str:
    query = {
        "id": session_id,
        **({"start": str(start_seconds)} if start_seconds else {}),
    }
    return f"{base_url}/Panopto/Pages/Viewer.aspx?{urlencode(query)}"


def thumbnail_url(base_url: str, session_id: str) -> str:
    """Panopto's frame grabber picture of a session (API notes §4)."""
    query = urlencode({"objectId": session_id, "mode": "Delivery"})
    return f"{base_url}/Panopto/Services/FrameGrabber.svc/FrameRedirect?{query}"
