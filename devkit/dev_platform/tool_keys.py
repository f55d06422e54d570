"""The tool's public keys, fetched from its JWKS URL and cached (LTI-NOTES 3.2).

A ``kid`` the cache does not know triggers one refetch, so a tool that rotated its key is
accepted at once; a kid still missing after that is refused.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import jwt
import requests

from .errors import DeepLinkResponseError, ToolKeysUnavailable

logger = logging.getLogger(__name__)

#: Five minutes: short enough that a restarted tool with new keys is seen soon, long
#: enough that a burst of responses costs one fetch.
TOOL_JWKS_TTL_SECONDS = 300

#: Loopback calls answer in milliseconds; a few seconds means the tool is not running.
FETCH_TIMEOUT_SECONDS = 5

USER_AGENT = "ontrack-dev-platform/0.1"


class ToolKeySet:
    """Verification keys of one tool, by ``kid``.

    :param jwks_url: the tool's JWKS URL.
    :param session: the HTTP session used to fetch it; tests mount a stub adapter on it.
    """

    def __init__(self, jwks_url: str, session: requests.Session | None = None) -> None:
        self.jwks_url = jwks_url
        self.session = session or requests.Session()
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0

    def key_for(self, kid: str) -> jwt.PyJWK:
        """The key named ``kid``, refetching the JWKS once when it is unknown.

        :raises DeepLinkResponseError: when the tool does not publish that key.
        :raises ToolKeysUnavailable: when the JWKS cannot be fetched or read.
        """
        with self._lock:
            is_fresh = time.monotonic() - self._fetched_at < TOOL_JWKS_TTL_SECONDS
            if not is_fresh or kid not in self._keys:
                self._refresh()
            key = self._keys.get(kid)

        if key is None:
            raise DeepLinkResponseError(
                "The response was signed with a key the tool does not publish."
            )
        return key

    def _refresh(self) -> None:
        document = self._fetch()
        self._keys = _usable_keys(document)
        self._fetched_at = time.monotonic()
        logger.debug("Fetched %d tool key(s) from %s", len(self._keys), self.jwks_url)

    def _fetch(self) -> Any:
        try:
            response = self.session.get(
                self.jwks_url,
                timeout=FETCH_TIMEOUT_SECONDS,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            )
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as err:
            logger.warning(
                "Could not fetch the tool JWKS from %s: %s", self.jwks_url, err
            )
            raise ToolKeysUnavailable(
                "The platform could not fetch the tool's public keys. Is the tool running?"
            ) from err


def _usable_keys(document: Any) -> dict[str, jwt.PyJWK]:
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ToolKeysUnavailable(
            "The tool's JWKS is not a JSON object with a keys list."
        )

    keys: dict[str, jwt.PyJWK] = {}
    for entry in entries:
        if _is_rs256_signing_key(entry):
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256")
            except jwt.PyJWTError as err:
                logger.warning(
                    "Skipped an unreadable tool key %s: %s", entry["kid"], err
                )
    return keys


def _is_rs256_signing_key(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("kid"), str)
        and entry.get("kty") == "RSA"
        and entry.get("alg", "RS256") == "RS256"
        and entry.get("use", "sig") == "sig"
    )
