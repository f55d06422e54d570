"""In-memory OAuth2 records: the client, authorization codes, tokens, legacy cookies.

The classes implement authlib's model mixins so that authlib's grants and resource
protector can use them directly.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

ACCESS_TOKEN_LIFETIME = 3600
"""Panopto's access tokens live one hour (API-NOTES 1.6)."""

CODE_LIFETIME = 600
"""RFC 6749 section 4.1.2 recommends at most ten minutes for a code."""

LEGACY_COOKIE_LIFETIME = ACCESS_TOKEN_LIFETIME
"""The .ASPXAUTH lifetime is unknown; the simulator lets it live as long as a token."""

SUPPORTED_SCOPES = ("openid", "api", "offline_access", "profile", "email")
"""API-NOTES 1.5; ``api`` is what REST calls need, ``offline_access`` brings a
refresh token."""

DEFAULT_SCOPE = "openid api"
"""Granted when a request names no scope; the default of Panopto's samples."""

GRANT_TYPES = ("authorization_code", "refresh_token", "password")

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
"""Panopto is seen with both (API-NOTES 1.2); the simulator accepts both."""


@dataclass(frozen=True)
class Client(ClientMixin):
    """The registered API client."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # None makes authlib refuse an authorize request without redirect_uri, so
        # the URI is always given and always compared exactly.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or DEFAULT_SCOPE

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_id: str
    issued_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token(TokenMixin):
    """One issued token pair; ``clock`` is the store's, so expiry can be forced."""

    access_token: str
    refresh_token: str | None
    client_id: str
    user_id: str
    scope: str
    issued_at: float
    expires_in: int
    clock: Callable[[], float] = field(repr=False)
    access_revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client: ClientMixin) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.clock() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.access_revoked

    def get_user(self) -> str:
        return self.user_id

    def get_client(self) -> None:
        return None


@dataclass
class LegacyCookie:
    user_id: str
    expires_at: float


class TokenStore:
    """Codes, tokens and legacy cookies, guarded by one lock."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.reset()

    def now(self) -> float:
        """The current time by ``clock``, which tests may swap to move time on."""
        return self.clock()

    def reset(self) -> None:
        with self._lock:
            self._codes: dict[str, AuthorizationCode] = {}
            self._by_access: dict[str, Token] = {}
            self._by_refresh: dict[str, Token] = {}
            self._cookies: dict[str, LegacyCookie] = {}

    # -- authorization codes -------------------------------------------------------

    def save_code(self, code: AuthorizationCode) -> None:
        with self._lock:
            self._codes[code.code] = code

    def take_code(self, code: str, client_id: str) -> AuthorizationCode | None:
        """Return a live code of this client and forget it: codes are single-use.

        Taking it at lookup (not after the token is issued) means two racing
        exchanges cannot both succeed, and a failed exchange burns the code.
        """
        with self._lock:
            record = self._codes.pop(code, None)
        if record is None or record.client_id != client_id:
            return None
        if self.clock() >= record.issued_at + CODE_LIFETIME:
            return None
        return record

    # -- tokens --------------------------------------------------------------------

    def save_token(self, issued: dict, client_id: str, user_id: str) -> Token:
        token = Token(
            access_token=issued["access_token"],
            refresh_token=issued.get("refresh_token"),
            client_id=client_id,
            user_id=user_id,
            scope=issued.get("scope", ""),
            issued_at=self.clock(),
            expires_in=issued.get("expires_in", ACCESS_TOKEN_LIFETIME),
            clock=self.now,
        )
        with self._lock:
            self._by_access[token.access_token] = token
            if token.refresh_token:
                self._by_refresh[token.refresh_token] = token
        return token

    def find_access(self, access_token: str) -> Token | None:
        with self._lock:
            return self._by_access.get(access_token)

    def find_refresh(self, refresh_token: str) -> Token | None:
        """A refresh token still usable: neither rotated away nor revoked."""
        with self._lock:
            token = self._by_refresh.get(refresh_token)
        if token is None or token.refresh_revoked:
            return None
        return token

    def find_any(self, value: str) -> Token | None:
        return self.find_refresh(value) or self.find_access(value)

    def revoke_refresh(self, token: Token) -> None:
        with self._lock:
            token.refresh_revoked = True

    def revoke(self, token: Token, presented: str) -> None:
        """Revoke what was presented; revoking a refresh token also ends its access
        token (RFC 7009 section 2.1)."""
        with self._lock:
            token.access_revoked = True
            if presented == token.refresh_token:
                token.refresh_revoked = True

    def expire_access_tokens(self, user_id: str | None = None) -> int:
        """Make access tokens (and legacy cookies) stale now; refresh tokens live on.

        :param user_id: only this user's, or everyone's when None.
        :returns: how many access tokens were still live and are now stale.
        """
        now = self.clock()
        expired = 0
        with self._lock:
            for token in self._by_access.values():
                if user_id not in (None, token.user_id) or token.is_expired():
                    continue
                token.issued_at = now - token.expires_in
                expired += 1
            for cookie in self._cookies.values():
                if user_id in (None, cookie.user_id):
                    cookie.expires_at = now
        return expired

    # -- legacy .ASPXAUTH cookies ---------------------------------------------------

    def issue_cookie(self, user_id: str) -> str:
        value = secrets.token_urlsafe(32)
        with self._lock:
            self._cookies[value] = LegacyCookie(
                user_id, self.clock() + LEGACY_COOKIE_LIFETIME
            )
        return value

    def user_for_cookie(self, value: str) -> str | None:
        with self._lock:
            cookie = self._cookies.get(value)
        if cookie is None or self.clock() >= cookie.expires_at:
            return None
        return cookie.user_id
