"""A small client for Panopto's REST v1 API (``/Panopto/api/v1``), returning typed results.

Behaviour taken from Panopto's API notes: paging starts at page 0 and ends at an empty page
(there are no totals); a 401 means the access token is no longer valid, so we refresh once and
retry; a 429 means slow down, so we wait (honouring ``Retry-After``) and retry a few times.
"""

from __future__ import annotations

import logging
import time
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
)
from .models import (
    TOP_FOLDER_ID,
    Folder,
    Page,
    Session,
    parse_folder,
    parse_session,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

API_PREFIX = "/Panopto/api/v1"

#: Retries after a 429. Panopto's Moodle block retries up to 3 times; two keeps a chooser
#: request under a few seconds even when Panopto is busy.
RATE_LIMIT_RETRIES = 2
#: Wait before the first retry when Panopto sends no Retry-After (Panopto's sample waits 1 s).
RATE_LIMIT_BASE_DELAY_SECONDS = 1.0
#: Never wait longer than this for one retry, whatever Retry-After says.
RATE_LIMIT_MAX_DELAY_SECONDS = 5.0
#: Safety stop for "read every page" loops, in case a server never returns an empty page.
MAX_PAGES = 50


class PanoptoClient:
    """REST v1 calls made as one Panopto user.

    :param base_url: the site root, e.g. ``https://example.hosted.panopto.com``.
    :param http: a requests session that adds the user's bearer token (authlib's
        ``OAuth2Session``), with timeouts.
    :param refresh: called once when Panopto answers 401; it must renew the token in ``http``
        or raise :class:`PanoptoNotConnected`.
    """

    def __init__(
        self,
        base_url: str,
        http: requests.Session,
        refresh: Callable[[], None],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base_url = base_url
        self._api = base_url + API_PREFIX
        self._http = http
        self._refresh = refresh
        self._sleep = sleep

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

    def _session_page(self, data: Any, page: int) -> Page[Session]:
        return Page(
            [parse_session(item, self._base_url) for item in _results(data)], page
        )

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self._send("GET", path, params)
        try:
            return response.json()
        except ValueError as err:
            logger.warning("Panopto answered GET %s with a body that is not JSON", path)
            raise PanoptoError() from err

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json: Any = None,
    ) -> Any:
        refreshed = False
        rate_limited = 0

        while True:
            response = self._request(method, path, params, json)

            if response.status_code == 401 and not refreshed:
                logger.debug("Panopto answered 401; refreshing the token once")
                self._refresh()
                refreshed = True
                continue

            if response.status_code == 429 and rate_limited < RATE_LIMIT_RETRIES:
                self._sleep(_retry_delay(response, rate_limited))
                rate_limited += 1
                continue

            _raise_for_status(method, path, response)
            return response

    def _request(
        self, method: str, path: str, params: dict[str, Any] | None, json: Any = None
    ) -> Any:
        try:
            return self._http.request(
                method, self._api + path, params=params, json=json
            )
        except OAuthError as err:
            # authlib refreshes expired tokens before sending; a refused refresh lands here.
            logger.info("Panopto refused to refresh a token: %s", err.error)
            raise PanoptoNotConnected() from err
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


def _results(data: Any) -> list[dict[str, Any]]:
    results = data.get("Results") if isinstance(data, dict) else None
    return [item for item in results or [] if isinstance(item, dict) and item.get("Id")]


def _retry_delay(response: Any, attempt: int) -> float:
    header = response.headers.get("Retry-After", "")
    try:
        delay = float(header)
    except ValueError:
        delay = RATE_LIMIT_BASE_DELAY_SECONDS * (2**attempt)
    return max(0.0, min(delay, RATE_LIMIT_MAX_DELAY_SECONDS))


def _raise_for_status(method: str, path: str, response: Any) -> None:
    status = response.status_code
    if status < 400:
        return

    logger.warning("Panopto answered %s %s with HTTP %s", method, path, status)
    if status == 401:
        raise PanoptoNotConnected()
    if status == 403:
        raise PanoptoForbidden()
    if status == 404:
        raise PanoptoNotFound()
    if status == 429:
        raise PanoptoRateLimited()
    raise PanoptoError()
