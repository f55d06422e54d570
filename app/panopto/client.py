"""A small client for Panopto's REST v1 API (``/Panopto/api/v1``), returning typed results.

Behaviour taken from Panopto's API notes: paging starts at page 0 and ends at an empty page
(there are no totals); a 401 means the access token is no longer valid, so we refresh once and
retry. Waiting out a 429 or a transient 5xx, and the circuit breaker, happen below this client
in the HTTP transport (:class:`app.http.ResilientAdapter`); what still fails after that arrives
here as a final status and becomes one of the errors in :mod:`app.errors`.

GET answers may be served from a short per-user cache (:mod:`app.panopto.cache`); any other
successful call empties that user's cache, so a change is seen at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import requests
from authlib.integrations.base_client.errors import OAuthError

from ..errors import (
    PanoptoError,
    PanoptoForbidden,
    PanoptoNotConnected,
    PanoptoNotFound,
    PanoptoRateLimited,
    PanoptoRejected,
    PanoptoUnavailable,
)
from ..http import CircuitOpenError
from .cache import UserCache
from .models import (
    TOP_FOLDER_ID,
    Folder,
    Page,
    Session,
    parse_folder,
    parse_session,
)
from .upload import SessionUploads

logger = logging.getLogger(__name__)

T = TypeVar("T")

API_PREFIX = "/Panopto/api/v1"

#: Safety stop for "read every page" loops, in case a server never returns an empty page.
MAX_PAGES = 50


class PanoptoClient:
    """REST v1 calls made as one Panopto user.

    :param base_url: the site root, e.g. ``https://example.hosted.panopto.com``.
    :param http: a requests session that adds the user's bearer token (authlib's
        ``OAuth2Session``), with timeouts.
    :param refresh: called once when Panopto answers 401; it must renew the token in ``http``
        or raise :class:`PanoptoNotConnected`.
    :param cache: this user's short cache of GET answers; None to always ask Panopto.
    """

    def __init__(
        self,
        base_url: str,
        http: requests.Session,
        refresh: Callable[[], None],
        cache: UserCache | None = None,
    ) -> None:
        self._base_url = base_url
        self._api = base_url + API_PREFIX
        self._http = http
        self._refresh = refresh
        self._cache = cache

    def list_child_folders(
        self, parent_id: str = TOP_FOLDER_ID, page: int = 0
    ) -> Page[Folder]:
        data = self._get(
            f"/folders/{parent_id}/children",
            {"pageNumber": page, "sortField": "Name", "sortOrder": "Asc"},
        )
        return Page([parse_folder(item) for item in _results(data)], page)

    def get_folder(self, folder_id: str) -> Folder:
        return parse_folder(self._get(f"/folders/{folder_id}"))

    def list_folder_sessions(self, folder_id: str, page: int = 0) -> Page[Session]:
        data = self._get(
            f"/folders/{folder_id}/sessions",
            {"pageNumber": page, "sortField": "CreatedDate", "sortOrder": "Desc"},
        )
        return self._session_page(data, page)

    def search_sessions(self, query: str, page: int = 0) -> Page[Session]:
        data = self._get(
            "/sessions/search",
            {"searchQuery": query, "pageNumber": page, "sortField": "Relevance"},
        )
        return self._session_page(data, page)

    def get_session(self, session_id: str) -> Session:
        return parse_session(self._get(f"/sessions/{session_id}"), self._base_url)

    def all_child_folders(self, parent_id: str = TOP_FOLDER_ID) -> list[Folder]:
        """Every child folder, reading pages from 0 until an empty one."""
        return list(
            iterate_pages(lambda page: self.list_child_folders(parent_id, page))
        )

    def list_creator_folders(self, page: int = 0) -> Page[Folder]:
        """Folders, at any depth, where this user may create (upload) sessions."""
        data = self._get("/folders/creator", {"pageNumber": page, "sortField": "Name"})
        return Page([parse_folder(item) for item in _results(data)], page)

    def all_creator_folders(self) -> list[Folder]:
        return list(iterate_pages(self.list_creator_folders))

    def search_folders(self, query: str, page: int = 0) -> Page[Folder]:
        data = self._get(
            "/folders/search",
            {"searchQuery": query, "pageNumber": page, "sortField": "Relevance"},
        )
        return Page([parse_folder(item) for item in _results(data)], page)

    def list_viewed_sessions(self, page: int = 0) -> Page[Session]:
        """Sessions this user watched, finished or not, most recent first."""
        data = self._get(
            "/users/me/sessions/viewed",
            {"pageNumber": page, "includeCompleted": "true", "sortOrder": "Desc"},
        )
        return self._session_page(data, page)

    def update_session(
        self,
        session_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        folder_id: str | None = None,
    ) -> Session:
        """Rename, re-describe or move a session (``SessionUpdate``; None keeps a field)."""
        changes = {"Name": name, "Description": description, "Folder": folder_id}
        body = {field: value for field, value in changes.items() if value is not None}
        response = self._send("PUT", f"/sessions/{session_id}", json=body)
        return parse_session(_json(response, "PUT", "/sessions"), self._base_url)

    def delete_session(self, session_id: str) -> None:
        """Delete a session; Panopto's retention policy decides when it is really gone."""
        self._send("DELETE", f"/sessions/{session_id}")

    def upload_captions(
        self, session_id: str, language: str, filename: str, content: bytes
    ) -> None:
        """Add an SRT or WebVTT caption file in one ``ContentLanguage``."""
        self._send(
            "POST",
            f"/sessions/{session_id}/captions",
            data={"language": language},
            files={"file": (filename, content, "text/plain")},
        )

    def delete_captions(self, session_id: str, language: str) -> None:
        """Remove one language's caption track (Panopto refuses a second one)."""
        self._send("DELETE", f"/sessions/{session_id}/captions/languages/{language}")

    def uploads(self) -> SessionUploads:
        """Panopto's session upload API, as this user."""
        return SessionUploads(self._base_url, self._http, self._refresh)

    def _session_page(self, data: Any, page: int) -> Page[Session]:
        return Page(
            [parse_session(item, self._base_url) for item in _results(data)], page
        )

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        if self._cache is not None:
            cached = self._cache.get(path, params)
            if cached is not None:
                return cached

        data = _json(self._send("GET", path, params), "GET", path)

        if self._cache is not None:
            self._cache.put(path, params, data)
        return data

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send one call (``kwargs`` go to requests: ``json``, ``data``…), refreshing the
        token once on a 401; raise the matching error for a final failure."""
        response = self._request(method, path, params, **kwargs)
        if response.status_code == 401:
            logger.debug("Panopto answered 401; refreshing the token once")
            self._refresh()
            response = self._request(method, path, params, **kwargs)

        _raise_for_status(method, path, response)
        if method != "GET" and self._cache is not None:
            self._cache.clear()
        return response

    def _request(
        self, method: str, path: str, params: dict[str, Any] | None, **kwargs: Any
    ) -> Any:
        try:
            return self._http.request(method, self._api + path, params=params, **kwargs)
        except OAuthError as err:
            # authlib refreshes expired tokens before sending; a refused refresh lands here.
            logger.info("Panopto refused to refresh a token: %s", err.error)
            raise PanoptoNotConnected() from err
        except CircuitOpenError as err:
            raise PanoptoUnavailable() from err
        except requests.RequestException as err:
            logger.warning("Panopto %s %s failed: %s", method, path, type(err).__name__)
            raise PanoptoError() from err


def iterate_pages(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
    """Yield the items of pages 0, 1, 2, … until a page is empty."""
    for page_number in range(MAX_PAGES):
        page = fetch(page_number)
        if page.is_empty:
            return
        yield from page.items
    logger.warning("Stopped reading a Panopto listing after %d pages", MAX_PAGES)


def _json(response: Any, method: str, path: str) -> Any:
    try:
        return response.json()
    except ValueError as err:
        logger.warning(
            "Panopto answered %s %s with a body that is not JSON", method, path
        )
        raise PanoptoError() from err


def _results(data: Any) -> list[dict[str, Any]]:
    results = data.get("Results") if isinstance(data, dict) else None
    return [item for item in results or [] if isinstance(item, dict) and item.get("Id")]


def _raise_for_status(method: str, path: str, response: Any) -> None:
    status = response.status_code
    if status < 400:
        return

    logger.warning("Panopto answered %s %s with HTTP %s", method, path, status)
    if status == 400:
        raise PanoptoRejected()
    if status == 401:
        raise PanoptoNotConnected()
    if status == 403:
        raise PanoptoForbidden()
    if status == 404:
        raise PanoptoNotFound()
    if status == 429:
        raise PanoptoRateLimited()
    raise PanoptoError()
